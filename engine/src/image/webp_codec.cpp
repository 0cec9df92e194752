// WebP through libwebp (still images; animated WebP is refused by name).
#include <webp/decode.h>
#include <webp/encode.h>

#include <string>

#include "codecs_internal.h"

namespace pixforge::detail {

Image decode_webp(std::span<const std::uint8_t> bytes, const ImageLimits& limits) {
  WebPBitstreamFeatures features;
  const VP8StatusCode status = WebPGetFeatures(bytes.data(), bytes.size(), &features);
  if (status != VP8_STATUS_OK) {
    throw ImageError("corrupt or unsupported WebP: header unreadable (status " +
                     std::to_string(static_cast<int>(status)) + ")");
  }
  if (features.has_animation) throw ImageError("animated WebP is not supported");
  check_image_limits("webp", features.width, features.height, limits);
  Image image = Image::blank(features.width, features.height, features.has_alpha ? 4 : 3);
  const int stride = static_cast<int>(image.row_bytes());
  const std::uint8_t* ok = features.has_alpha
                               ? WebPDecodeRGBAInto(bytes.data(), bytes.size(), image.pixels.data(),
                                                    image.pixels.size(), stride)
                               : WebPDecodeRGBInto(bytes.data(), bytes.size(), image.pixels.data(),
                                                   image.pixels.size(), stride);
  if (!ok) throw ImageError("corrupt or truncated WebP data");
  return image;
}

std::vector<std::uint8_t> encode_webp(const Image& image, const EncodeOptions& options) {
  check_encodable(image, "webp");
  if (image.width > WEBP_MAX_DIMENSION || image.height > WEBP_MAX_DIMENSION) {
    throw ImageError("webp cannot hold images larger than 16383 pixels on a side");
  }
  if (options.quality < 1 || options.quality > 100) throw ImageError("webp quality must be 1..100");
  const int stride = static_cast<int>(image.row_bytes());
  const float q = static_cast<float>(options.quality);
  std::uint8_t* out = nullptr;
  std::size_t size = 0;
  const std::uint8_t* px = image.pixels.data();
  if (image.channels == 4) {
    size = options.lossless ? WebPEncodeLosslessRGBA(px, image.width, image.height, stride, &out)
                            : WebPEncodeRGBA(px, image.width, image.height, stride, q, &out);
  } else {
    size = options.lossless ? WebPEncodeLosslessRGB(px, image.width, image.height, stride, &out)
                            : WebPEncodeRGB(px, image.width, image.height, stride, q, &out);
  }
  if (size == 0) {
    WebPFree(out);
    throw ImageError("webp encoding failed");
  }
  std::vector<std::uint8_t> bytes(out, out + size);
  WebPFree(out);
  return bytes;
}

}  // namespace pixforge::detail
