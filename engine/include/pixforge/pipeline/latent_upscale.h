// A1111's latent upscale modes for the hires fix (shared.latent_upscale_modes): each is
// torch.nn.functional.interpolate(samples, size=..., mode, antialias) with align_corners unset,
// restated here on NHWC latents:
//   "Latent"                       bilinear
//   "Latent (antialiased)"         bilinear, antialias (PIL-style triangle filter)
//   "Latent (bicubic)"             bicubic (Keys a = -0.75, indices clamped at the borders)
//   "Latent (bicubic antialiased)" bicubic, antialias (Keys a = -0.5, weights renormalised)
//   "Latent (nearest)"             nearest (floor(i * in / out))
//   "Latent (nearest-exact)"       nearest-exact (floor((i + 0.5) * in / out))
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/core/tensor.h"

namespace pixforge::pipeline {

enum class InterpolateMode { Bilinear, Bicubic, Nearest, NearestExact };

struct LatentUpscaleMode {
  InterpolateMode mode = InterpolateMode::Bilinear;
  bool antialias = false;
};

// A1111's names in its order ("Latent" first, its default).
const std::vector<std::string>& latent_upscale_mode_names();
// The mode of an A1111 name; nullopt for names that are not latent modes.
std::optional<LatentUpscaleMode> find_latent_upscale_mode(std::string_view name);

// torch.nn.functional.interpolate(x, size=(out_h, out_w), mode, antialias=...) on an NHWC f32
// tensor (any backend; computed on the host in float32 as torch's CPU kernels do, separably:
// width, then height). Throws std::invalid_argument for non-positive sizes.
Tensor interpolate_nhwc(const Tensor& x, int out_h, int out_w, const LatentUpscaleMode& mode,
                        Backend& backend);

}  // namespace pixforge::pipeline
