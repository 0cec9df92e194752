// Cheap previews of a latent during sampling, as ComfyUI's Latent2RGB previewer makes them: each
// latent pixel's 4 channels times a fixed 4x3 matrix (ComfyUI's SD1.5 latent_rgb_factors, which
// SD2 shares), then (x + 1) / 2 clamped to [0, 1] -> uint8. The preview has the latent's size
// (1/8 of the image); no network runs, so it costs microseconds per step.
#pragma once

#include "pixforge/core/tensor.h"
#include "pixforge/image/image.h"

namespace pixforge::pipeline {

// `latent`: NHWC [N, h, w, 4] (unscaled, as the sampler holds it), any backend and float type;
// previews image `index`.
Image latent_rgb_preview(const Tensor& latent, int index = 0);

}  // namespace pixforge::pipeline
