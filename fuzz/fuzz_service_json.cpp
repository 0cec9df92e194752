// libFuzzer: arbitrary request bodies through the parameter parsers of the three generation
// APIs (native POST /api/v1/generate, A1111 /sdapi/v1/txt2img|img2img, OpenAI
// /v1/images/generations), parsed as the HTTP layer parses them (nlohmann::json, comments
// allowed, exceptions off). A client mistake must be refused with an ApiError 400 naming a
// field; any other exception would be a 500 for a bad request, and is a bug, as is a crash,
// a sanitizer report or accepted parameters outside the limits.
//   build-svc-fuzz/fuzz/fuzz_service_json -max_total_time=300 -max_len=4096
//   fuzz/corpus/service_json
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "pixforge/service/errors.h"
#include "request_params.h"
#include "uploads.h"

namespace {

using pixforge::service::ApiError;
using pixforge::service::GenerationParams;
using pixforge::service::Limits;

Limits fuzz_limits() {
  Limits l;
  l.max_image_pixels = 128 * 128;  // img2img fields decode uploads: keep allocations small
  l.max_image_side = 256;
  return l;
}

// What the parsers promise before validate_params runs: strings within their lengths and
// integer fields within the ranges they were checked against.
void check(const GenerationParams& p, const Limits& l) {
  const auto max_chars = static_cast<std::size_t>(l.max_prompt_chars);
  if (p.prompt.empty() || p.prompt.size() > max_chars || p.negative_prompt.size() > max_chars ||
      p.batch < 1 || p.batch > l.max_batch || p.steps < 1 || p.steps > l.max_steps)
    std::abort();
}

template <typename Parse>
void run(Parse parse, const Limits& l) {
  try {
    check(parse(), l);
  } catch (const ApiError& e) {
    if (e.status() != 400) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pixforge::service;
  static const Limits limits = fuzz_limits();
  const auto body = nlohmann::json::parse(data, data + size, nullptr, false, true);
  if (body.is_discarded() || !body.is_object()) return 0;  // 400 invalid_json before parsing
  run([&] { return http::native_params(body, limits); }, limits);
  run([&] { return http::a1111_params(body, limits); }, limits);
  run(
      [&] {
        std::string response_format;
        return http::openai_generation_params(body, limits, response_format);
      },
      limits);
  // The image fields of the JSON APIs (init_image, mask: base64 or data: URL strings).
  for (const char* field : {"init_image", "mask"}) {
    if (!body.contains(field)) continue;
    try {
      const auto img = decode_upload_field(body, field, limits);
      if (static_cast<std::int64_t>(img.width) * img.height > limits.max_image_pixels) std::abort();
    } catch (const ApiError& e) {
      if (e.status() != 400 && e.status() != 413 && e.status() != 415) std::abort();
    }
  }
  return 0;
}
