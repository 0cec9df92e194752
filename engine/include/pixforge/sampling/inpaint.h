// Latent noise masks: ComfyUI's inpainting without an inpainting model (SetLatentNoiseMask and
// KSampler's denoise_mask). The mask (1 = repaint, 0 = keep, fractions blend) is resized to the
// latent once (prepare_denoise_mask), then every denoiser call of every sampler sees
//
//   x_in     = x * mask + (latent + noise * sigma) * (1 - mask)    before the model
//   denoised = out * mask + latent * (1 - mask)                    after it
//
// (ComfyUI's KSamplerX0Inpaint with the model's scale_latent_inpaint for ε/v models: the kept
// area is re-noised from the run's initial noise to the current sigma, never a fresh draw).
// There is no final blend: samplers end on the last denoised prediction, which already holds
// the original latent wherever the mask is 0.
#pragma once

#include <span>

#include "pixforge/core/backend.h"
#include "pixforge/core/tensor.h"
#include "pixforge/sampling/denoiser.h"

namespace pixforge::sampling {

// ComfyUI's prepare_mask: `mask` (row-major, width x height, any size) resized to the latent's
// height and width by bilinear interpolation with align_corners = false and no antialiasing
// (torch.nn.functional.interpolate(mode="bilinear")), then repeated over every channel and batch
// item of `latent_shape` (NHWC). Returns an f32 tensor of `latent_shape` on `backend`. Throws
// std::invalid_argument for a size that does not match the values or a value outside [0, 1].
Tensor prepare_denoise_mask(Backend& backend, std::span<const float> mask, int width, int height,
                            const Shape& latent_shape);

// Wraps `inner` as described above. `mask` (from prepare_denoise_mask), `latent` (the clean
// starting latent) and `noise` (the run's unscaled initial noise) share one NHWC shape; throws
// std::invalid_argument otherwise. The returned Denoiser keeps its own references to the tensors.
Denoiser make_inpaint_denoiser(Denoiser inner, const Tensor& mask, const Tensor& latent,
                               const Tensor& noise);

}  // namespace pixforge::sampling
