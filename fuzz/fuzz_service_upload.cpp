// libFuzzer: arbitrary bytes through decode_upload, the function every uploaded image of the
// native, A1111 and OpenAI routes goes through (P4), once as raw bytes (a multipart file) and,
// when they read as base64 or a data: URL, once decoded (a JSON image field). Each must either
// give an image within the limits or be refused with ApiError (400/413/415). A decoded image
// then goes through both edit-mask conversions (OpenAI alpha, A1111 luminance), as a mask of
// itself and of an image of another size. A crash, a sanitizer report, any other exception, or
// an image over the limits is a bug.
//   build-svc-fuzz/fuzz/fuzz_service_upload -max_total_time=300 -max_len=65536
//   fuzz/corpus/service_upload
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "pixforge/service/errors.h"
#include "uploads.h"

namespace {

using pixforge::service::ApiError;
using pixforge::service::Image;
using pixforge::service::Limits;

// Small limits, so that the fuzzer reaches the limit checks with small inputs and never spends
// its time allocating the default 2048 x 2048.
Limits fuzz_limits() {
  Limits l;
  l.max_image_pixels = 256 * 256;
  l.max_image_side = 512;
  return l;
}

void check(const Image& img, const Limits& l) {
  const auto pixels = static_cast<std::int64_t>(img.width) * img.height;
  const bool ok = img.width > 0 && img.height > 0 && pixels <= l.max_image_pixels &&
                  img.width <= l.max_image_side && img.height <= l.max_image_side &&
                  (img.channels == 3 || img.channels == 4) &&
                  img.pixels.size() == static_cast<std::size_t>(pixels) * img.channels;
  if (!ok) std::abort();
  unsigned acc = 0;
  for (std::uint8_t v : img.pixels) acc += v;  // reads every byte: ASan sees a short buffer
  volatile unsigned sink = acc;
  (void)sink;
}

// The mask conversions of the edit APIs: same size gives an RGB grey mask of that size; another
// size is refused with 400; a mask without alpha is refused by mask_from_alpha with 400.
void check_masks(const Image& img) {
  using pixforge::service::mask_from_alpha;
  using pixforge::service::mask_from_luminance;
  const Image other{
      img.width + 1, img.height, 3,
      std::vector<std::uint8_t>(static_cast<std::size_t>(img.width + 1) * img.height * 3)};
  auto grey_of_size = [&](const Image& m) {
    if (m.width != img.width || m.height != img.height || m.channels != 3 ||
        m.pixels.size() != static_cast<std::size_t>(img.width) * img.height * 3)
      std::abort();
  };
  auto refused_400 = [](auto&& f) {
    try {
      f();
    } catch (const ApiError& e) {
      if (e.status() != 400) std::abort();
      return;
    }
    std::abort();
  };
  grey_of_size(mask_from_luminance(img, img.pixels.size() % 2 == 0, img, "mask"));
  refused_400([&] { mask_from_luminance(img, false, other, "mask"); });
  if (img.channels == 4) {
    grey_of_size(mask_from_alpha(img, img, "mask"));
    refused_400([&] { mask_from_alpha(img, other, "mask"); });
  } else {
    refused_400([&] { mask_from_alpha(img, img, "mask"); });
  }
}

void decode_and_check(const std::string& bytes, const Limits& limits) {
  Image img;
  try {
    img = pixforge::service::decode_upload(bytes, limits, "image");
  } catch (const ApiError& e) {
    if (e.status() != 400 && e.status() != 413 && e.status() != 415) std::abort();
    return;
  }
  check(img, limits);
  check_masks(img);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Limits limits = fuzz_limits();
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  decode_and_check(bytes, limits);
  std::string decoded;
  try {
    decoded = pixforge::service::base64_decode(bytes, "image");
  } catch (const ApiError& e) {
    if (e.status() != 400) std::abort();
    return 0;
  }
  decode_and_check(decoded, limits);
  return 0;
}
