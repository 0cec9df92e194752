// The hires fix's upscale step (A1111's sample_hr_pass up to the second sampling): first-pass
// latents -> the second pass's starting latents at the hires target.
//   latent modes:  torch interpolate of the latents to upscale / 8 (latent_upscale.h)
//   pixel modes:   VAE-decode each image to 8 bits as the output would be, resize it
//                  ("None": Lanczos to the target; "Lanczos" / "Nearest" / a model
//                  upscaler: A1111's Upscaler.upscale steps with it), VAE-encode (the mean, as
//                  img2img)
// then the latent crop of hr_resize_x/_y with another aspect ratio.
#pragma once

#include "pixforge/core/tensor.h"
#include "pixforge/image/image.h"
#include "pixforge/pipeline/hires_fix.h"
#include "pixforge/pipeline/model.h"

namespace pixforge::pipeline {

// `latents`: [B, h, w, 4] scaled (as the sampler returns them). Returns [B, H, W, 4] with
// H x W = target.height / 8 x target.width / 8. Throws InvalidParams for unknown upscalers.
// `models`: upscalers from outside the pipeline, by name (hires_fix.h).
Tensor hires_upscale(const Model& model, const Tensor& latents, const HiresFix& hires,
                     const HiresTarget& target, const ModelUpscalers& models = {});

// A pixel upscaler applied to one picture, to width x height (A1111's resize_image with mode
// "Just resize" and that upscaler). Throws InvalidParams for names that are neither a built-in
// pixel upscaler nor in `models`.
Image upscale_picture(const Image& image, int width, int height, const std::string& upscaler,
                      const ModelUpscalers& models = {});

}  // namespace pixforge::pipeline
