// ComfyUI's KSampler in one call: the sigma schedule (denoise tail, dpm_2's dropped sigma), one
// torch.randn draw of the whole batch's noise from the seed, noise scaling (full denoise or not),
// the ancestral noise stream, then the sampler. Pipelines call this so that a seed and settings
// reproduce ComfyUI's result without re-assembling those conventions.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "pixforge/core/backend.h"
#include "pixforge/sampling/brownian_tree.h"
#include "pixforge/sampling/sampler.h"
#include "pixforge/sampling/schedulers.h"
#include "pixforge/sampling/variation_noise.h"

namespace pixforge::sampling {

// Whose conventions the noise follows.
enum class NoiseConvention {
  // One randn of the whole batch from `seed`; noise * sqrt(1 + sigma0^2) at full denoise; the
  // ancestral stream is a fresh generator seeded seed + ancestral.seed_offset.
  ComfyUI,
  // A1111: image i has its own generator seeded seed + i (kind `rng`); noise * sigma0 (A1111's
  // default, no sgm_noise_multiplier); ancestral noise continues those generators, or, with
  // ancestral.seed_offset != 0 (A1111's eta_noise_seed_delta), restarts them at seed + i + offset.
  // Only the noise follows A1111: sigmas still come from the ComfyUI schedule (A1111 derives
  // them from the checkpoint's float32 alphas_cumprod, equal to within float rounding).
  A1111,
};

struct KSamplerSettings {
  SamplerKind sampler = SamplerKind::Euler;
  Scheduler scheduler = Scheduler::Normal;
  int steps = 20;
  double denoise = 1.0;  // (0, 1]; img2img strength
  std::uint64_t seed = 0;
  RngKind rng = RngKind::TorchCpu;  // initial noise (ComfyUI: CPU; A1111 default: CUDA Philox)
  AncestralNoise ancestral;         // noise drawn during ancestral/lcm (and Gaussian SDE) sampling
  // dpmpp_sde / dpmpp_2m_sde noise. BrownianTree (default): ComfyUI's BrownianTreeNoiseSampler,
  // one tree over the batch seeded `seed` on the CPU generator; under the A1111 convention one
  // tree per image seeded seed + i on `rng` (A1111 passes its per-image seeds). Gaussian: the
  // `ancestral` stream, one draw per step.
  SdeNoiseKind sde_noise = SdeNoiseKind::BrownianTree;
  NoiseConvention convention = NoiseConvention::ComfyUI;
  // A1111's variation seed and seed resize, applied to the initial draw only. Image i's
  // subseed is variation.subseed + i under the A1111 convention (and its seed stays `seed`
  // for every image while the strength is not 0, as A1111 assigns all_seeds); ComfyUI's
  // whole-batch draw uses variation.subseed for the batch.
  VariationSeed variation;
  float eta = 1.0f;
  float s_noise = 1.0f;
  // Inpainting (ComfyUI's denoise_mask, inpaint.h): a prepare_denoise_mask tensor of the latent
  // shape, 1 = repaint, 0 = keep; undefined for none. Needs a starting latent.
  Tensor denoise_mask;
};

struct KSamplerHooks {
  std::function<bool(const StepInfo&)> on_step;  // false cancels
  const std::atomic<bool>* cancel = nullptr;
};

// `latent_shape` NHWC [N, H, W, C]. `latent`: the starting latent (img2img), or nullptr for
// zeros (txt2img). With settings.denoise_mask the denoiser is wrapped by make_inpaint_denoiser
// with `latent` and the initial noise draw. Returns the final latent on `backend`. Throws Cancelled
// or std::invalid_argument (bad settings, shapes).
Tensor ksample(const DiscreteSchedule& schedule, const Denoiser& denoiser,
               const KSamplerSettings& settings, Backend& backend, const Shape& latent_shape,
               const Tensor* latent = nullptr, const KSamplerHooks& hooks = {});

}  // namespace pixforge::sampling
