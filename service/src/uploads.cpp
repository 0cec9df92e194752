#include "uploads.h"

#include <sodium.h>

#include "pixforge/service/errors.h"
#include "png_io.h"

namespace pixforge::service {

std::string base64_decode(const std::string& text, const std::string& field) {
  std::string_view in(text);
  if (in.rfind("data:", 0) == 0) {
    const auto comma = in.find(',');
    if (comma == std::string_view::npos ||
        in.substr(0, comma).find(";base64") == std::string_view::npos)
      throw bad_request(field, "data URL must be base64-encoded");
    in.remove_prefix(comma + 1);
  }
  std::string out(in.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(),
                        in.size(), " \r\n", &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    throw bad_request(field, "must be base64-encoded image bytes");
  out.resize(len);
  return out;
}

Image decode_upload(const std::string& bytes, const Limits& limits, const std::string& field) {
  if (bytes.empty()) throw bad_request(field, "is empty");
  DecodeLimits bounds;
  bounds.max_pixels = limits.max_image_pixels;
  bounds.max_side = limits.max_image_side;
  try {
    return decode_image_bytes(bytes, bounds);
  } catch (const ImageDecodeError& e) {
    switch (e.kind()) {
      case ImageDecodeError::Kind::kUnsupportedFormat:
        throw ApiError(415, "unsupported_image_format",
                       "field '" + field + "': must be a PNG, JPEG or WebP image", field);
      case ImageDecodeError::Kind::kTooLarge:
        throw ApiError(413, "image_too_large",
                       "field '" + field + "': image sides must be at most " +
                           std::to_string(limits.max_image_side) +
                           " pixels and it must have at most " +
                           std::to_string(limits.max_image_pixels) + " pixels",
                       field);
      case ImageDecodeError::Kind::kCorrupt:
        break;
    }
    // The codec's message names the format and what is malformed, never pixel data.
    throw bad_request(field, std::string("is not a decodable image (") + e.what() + ")");
  }
}

namespace {

void check_same_size(const Image& mask, const Image& image, const std::string& field) {
  if (mask.width != image.width || mask.height != image.height)
    throw bad_request(field, "must have the same size as the image (" +
                                 std::to_string(image.width) + "x" + std::to_string(image.height) +
                                 ")");
}

// Builds the grey mask from one weight per pixel.
template <class Weight>
Image grey_mask(const Image& src, Weight weight) {
  Image out{src.width, src.height, 3, {}};
  const std::size_t n = static_cast<std::size_t>(src.width) * src.height;
  out.pixels.resize(n * 3);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t w = weight(&src.pixels[i * src.channels]);
    out.pixels[i * 3] = out.pixels[i * 3 + 1] = out.pixels[i * 3 + 2] = w;
  }
  return out;
}

}  // namespace

Image mask_from_alpha(const Image& mask, const Image& image, const std::string& field) {
  if (mask.channels != 4)
    throw bad_request(field, "must have an alpha channel: transparent where the image is edited");
  check_same_size(mask, image, field);
  return grey_mask(mask, [](const std::uint8_t* px) { return std::uint8_t(255 - px[3]); });
}

Image mask_from_luminance(const Image& mask, bool invert, const Image& image,
                          const std::string& field) {
  check_same_size(mask, image, field);
  return grey_mask(mask, [invert](const std::uint8_t* px) {
    // ITU-R 601 luma, as PIL's convert("L") that A1111 applies to masks.
    const unsigned y = (299u * px[0] + 587u * px[1] + 114u * px[2] + 500u) / 1000u;
    return static_cast<std::uint8_t>(invert ? 255 - y : y);
  });
}

Image decode_upload_field(const nlohmann::json& body, const char* field, const Limits& limits) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_string())
    throw bad_request(field, "must be a base64 image string");
  return decode_upload(base64_decode(it->get<std::string>(), field), limits, field);
}

}  // namespace pixforge::service
