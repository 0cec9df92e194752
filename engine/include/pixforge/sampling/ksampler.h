// ComfyUI's KSampler in one call: the sigma schedule (denoise tail, dpm_2's dropped sigma), one
// torch.randn draw of the whole batch's noise from the seed, noise scaling (full denoise or not),
// the ancestral noise stream, then the sampler. Pipelines call this so that a seed and settings
// reproduce ComfyUI's result without re-assembling those conventions.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "pixforge/core/backend.h"
#include "pixforge/sampling/sampler.h"
#include "pixforge/sampling/schedulers.h"

namespace pixforge::sampling {

struct KSamplerSettings {
  SamplerKind sampler = SamplerKind::Euler;
  Scheduler scheduler = Scheduler::Normal;
  int steps = 20;
  double denoise = 1.0;  // (0, 1]; img2img strength
  std::uint64_t seed = 0;
  RngKind rng = RngKind::TorchCpu;  // initial noise (ComfyUI: CPU; A1111 default: CUDA Philox)
  AncestralNoise ancestral;         // noise drawn during ancestral/SDE/lcm sampling
  float eta = 1.0f;
  float s_noise = 1.0f;
};

struct KSamplerHooks {
  std::function<bool(const StepInfo&)> on_step;  // false cancels
  const std::atomic<bool>* cancel = nullptr;
};

// `latent_shape` NHWC [N, H, W, C]. `latent`: the starting latent (img2img), or nullptr for
// zeros (txt2img). Returns the final latent on `backend`. Throws Cancelled or
// std::invalid_argument (bad settings, shapes).
Tensor ksample(const DiscreteSchedule& schedule, const Denoiser& denoiser,
               const KSamplerSettings& settings, Backend& backend, const Shape& latent_shape,
               const Tensor* latent = nullptr, const KSamplerHooks& hooks = {});

}  // namespace pixforge::sampling
