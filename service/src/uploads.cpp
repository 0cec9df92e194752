#include "uploads.h"

#include <sodium.h>

#include "pixforge/service/errors.h"
#include "png_io.h"

namespace pixforge::service {
namespace {

bool starts_with(const std::string& s, std::string_view magic) {
  return s.size() >= magic.size() && std::string_view(s).substr(0, magic.size()) == magic;
}

}  // namespace

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
  if (!starts_with(bytes, "\x89PNG\r\n\x1a\n")) {
    const bool known = starts_with(bytes, "\xff\xd8\xff") ||
                       (bytes.size() > 12 && bytes.compare(8, 4, "WEBP") == 0);
    throw ApiError(415, "unsupported_image_format",
                   "field '" + field + "': " +
                       (known ? std::string("JPEG and WebP uploads are not supported by this "
                                            "build yet; send PNG")
                              : std::string("must be a PNG image")),
                   field);
  }
  Image img;
  try {
    img = decode_png(bytes, limits.max_image_pixels);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    if (what.find("more pixels") != std::string::npos)
      throw ApiError(413, "image_too_large",
                     "field '" + field + "': image has more than limits.max_image_pixels (" +
                         std::to_string(limits.max_image_pixels) + ") pixels",
                     field);
    throw bad_request(field, "is not a decodable image");
  }
  if (img.width > limits.max_image_side || img.height > limits.max_image_side)
    throw ApiError(413, "image_too_large",
                   "field '" + field + "': image sides must be at most " +
                       std::to_string(limits.max_image_side) + " pixels",
                   field);
  return img;
}

Image decode_upload_field(const nlohmann::json& body, const char* field, const Limits& limits) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_string())
    throw bad_request(field, "must be a base64 image string");
  return decode_upload(base64_decode(it->get<std::string>(), field), limits, field);
}

}  // namespace pixforge::service
