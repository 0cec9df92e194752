#include "pixforge/pipeline/inpaint_mask.h"

#include <algorithm>
#include <cstddef>

namespace pixforge::pipeline {
namespace {

bool has_transparency(const Image& picture) {
  if (picture.channels != 4) return false;
  for (std::size_t i = 3; i < picture.pixels.size(); i += 4) {
    if (picture.pixels[i] != 255) return true;
  }
  return false;
}

}  // namespace

InpaintMask mask_from_image(const Image& picture) {
  const std::size_t n =
      static_cast<std::size_t>(std::max(picture.width, 0)) * std::max(picture.height, 0);
  const auto ch = static_cast<std::size_t>(picture.channels);
  if (n == 0 || (ch != 3 && ch != 4) || picture.pixels.size() != n * ch) {
    throw InvalidParams("mask picture is empty or malformed");
  }
  InpaintMask m{picture.width, picture.height, std::vector<float>(n)};
  if (has_transparency(picture)) {
    for (std::size_t i = 0; i < n; ++i) m.values[i] = 1.0f - picture.pixels[i * 4 + 3] / 255.0f;
    return m;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* px = &picture.pixels[i * ch];
    const unsigned luma = (299u * px[0] + 587u * px[1] + 114u * px[2] + 500u) / 1000u;
    m.values[i] = static_cast<float>(luma) / 255.0f;
  }
  return m;
}

}  // namespace pixforge::pipeline
