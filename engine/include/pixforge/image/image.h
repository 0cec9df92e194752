// Image: 8-bit interleaved pixels, the one picture type of the engine's edges (decoders,
// encoders, pipeline outputs, previews).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace pixforge {

// Thrown for every malformed, truncated, oversized or unsupported image; the message names
// what is wrong (format, field, dimensions) and never carries image bytes.
class ImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Image {
  int width = 0;
  int height = 0;
  int channels = 3;                  // 3 (RGB) or 4 (RGBA, straight alpha)
  std::vector<std::uint8_t> pixels;  // row-major, width * channels bytes per row, no padding

  // A zero-filled image; throws ImageError for non-positive sizes or channels other than 3/4.
  static Image blank(int width, int height, int channels = 3);
  std::size_t row_bytes() const { return static_cast<std::size_t>(width) * channels; }
  std::uint8_t* row(int y) { return pixels.data() + static_cast<std::size_t>(y) * row_bytes(); }
  const std::uint8_t* row(int y) const {
    return pixels.data() + static_cast<std::size_t>(y) * row_bytes();
  }
  bool empty() const { return pixels.empty(); }
};

// Bounds every decoder checks against the dimensions an image declares, before allocating:
// a 100-byte file declaring 60000x60000 pixels is refused, not inflated (decompression bomb).
struct ImageLimits {
  int max_width = 16384;
  int max_height = 16384;
  std::int64_t max_pixels = 64LL * 1024 * 1024;  // 64 Mpx: 256 MiB as RGBA
};

// Throws ImageError naming `format` when width x height breaks `limits` or is not positive.
void check_image_limits(const char* format, std::int64_t width, std::int64_t height,
                        const ImageLimits& limits);

// RGBA -> RGB (alpha composited over `background`, 0..255 grey) and RGB -> RGBA (opaque).
Image to_rgb(const Image& image, std::uint8_t background = 255);
Image to_rgba(const Image& image);

}  // namespace pixforge
