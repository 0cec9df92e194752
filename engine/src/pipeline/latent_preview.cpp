#include "pixforge/pipeline/latent_preview.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "pixforge/image/convert.h"

namespace pixforge::pipeline {
namespace {
// ComfyUI latent_formats.SD15.latent_rgb_factors: rows are latent channels, columns R, G, B.
constexpr float kLatentRgb[4][3] = {{0.3512f, 0.2297f, 0.3227f},
                                    {0.3250f, 0.4974f, 0.2350f},
                                    {-0.2829f, 0.1762f, 0.2721f},
                                    {-0.2120f, -0.2616f, -0.7177f}};
}  // namespace

Image latent_rgb_preview(const Tensor& latent, int index) {
  if (latent.rank() != 4 || latent.dim(3) != 4) {
    throw std::invalid_argument("latent preview expects an NHWC [N, h, w, 4] latent, got " +
                                latent.shape().str());
  }
  if (index < 0 || index >= latent.dim(0)) {
    throw std::invalid_argument("latent preview: index out of range");
  }
  const std::vector<float> x = latent.slice0(index, index + 1).to_host();
  const int h = static_cast<int>(latent.dim(1)), w = static_cast<int>(latent.dim(2));
  std::vector<float> rgb(static_cast<std::size_t>(h) * w * 3);
  for (std::size_t p = 0; p < static_cast<std::size_t>(h) * w; ++p) {
    for (int c = 0; c < 3; ++c) {
      float v = 0;
      for (int k = 0; k < 4; ++k) v += x[p * 4 + k] * kLatentRgb[k][c];
      rgb[p * 3 + c] = v;
    }
  }
  return rgb_from_floats(rgb.data(), w, h, PixelRange::MinusOneToOne);
}

}  // namespace pixforge::pipeline
