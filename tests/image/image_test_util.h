// Helpers shared by the image tests.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "pixforge/image/image.h"
#include "testing/golden.h"

namespace pixforge::image_test {

inline std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A deterministic test picture with smooth gradients and some edges.
inline Image test_pattern(int w, int h, int channels) {
  Image im = Image::blank(w, h, channels);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = im.row(y) + x * channels;
      p[0] = static_cast<std::uint8_t>(x * 255 / (w - 1));
      p[1] = static_cast<std::uint8_t>(y * 255 / (h - 1));
      p[2] = static_cast<std::uint8_t>(((x / 4 + y / 4) % 2) ? 200 : 40);
      // Alpha never 0: encoders may drop the colour of fully transparent pixels.
      if (channels == 4) p[3] = static_cast<std::uint8_t>(1 + (x + y) * 254 / (w + h - 2));
    }
  }
  return im;
}

inline std::vector<float> as_floats(const Image& im) {
  return {im.pixels.begin(), im.pixels.end()};
}

inline double psnr(const Image& a, const Image& b) {
  return testing::compare(as_floats(a), as_floats(b)).psnr(255.0);
}

}  // namespace pixforge::image_test
