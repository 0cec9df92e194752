#include "pixforge/image/image.h"

#include <string>

namespace pixforge {

Image Image::blank(int width, int height, int channels) {
  if (width <= 0 || height <= 0) {
    throw ImageError("image size must be positive, got " + std::to_string(width) + "x" +
                     std::to_string(height));
  }
  if (channels != 3 && channels != 4) {
    throw ImageError("images have 3 or 4 channels, got " + std::to_string(channels));
  }
  Image image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.assign(static_cast<std::size_t>(width) * height * channels, 0);
  return image;
}

void check_image_limits(const char* format, std::int64_t width, std::int64_t height,
                        const ImageLimits& limits) {
  const std::string dims = std::to_string(width) + "x" + std::to_string(height);
  if (width <= 0 || height <= 0) {
    throw ImageError(std::string(format) + " image declares an invalid size " + dims);
  }
  if (width > limits.max_width || height > limits.max_height ||
      width * height > limits.max_pixels) {
    throw ImageError(std::string(format) + " image of " + dims + " pixels exceeds the limit (" +
                     std::to_string(limits.max_width) + "x" + std::to_string(limits.max_height) +
                     ", " + std::to_string(limits.max_pixels) + " pixels)");
  }
}

Image to_rgb(const Image& image, std::uint8_t background) {
  if (image.channels == 3) return image;
  Image out = Image::blank(image.width, image.height, 3);
  const std::size_t n = static_cast<std::size_t>(image.width) * image.height;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* p = &image.pixels[i * 4];
    const unsigned a = p[3];
    for (int c = 0; c < 3; ++c) {
      // Rounded integer blend: exact at a = 0 and a = 255.
      const unsigned v = (p[c] * a + background * (255u - a) + 127u) / 255u;
      out.pixels[i * 3 + c] = static_cast<std::uint8_t>(v);
    }
  }
  return out;
}

Image to_rgba(const Image& image) {
  if (image.channels == 4) return image;
  Image out = Image::blank(image.width, image.height, 4);
  const std::size_t n = static_cast<std::size_t>(image.width) * image.height;
  for (std::size_t i = 0; i < n; ++i) {
    for (int c = 0; c < 3; ++c) out.pixels[i * 4 + c] = image.pixels[i * 3 + c];
    out.pixels[i * 4 + 3] = 255;
  }
  return out;
}

}  // namespace pixforge
