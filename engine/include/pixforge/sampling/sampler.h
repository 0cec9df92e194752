// Samplers as k-diffusion / ComfyUI define them: each walks a descending sigma schedule, calling
// the Denoiser once or twice per step, and returns the final latent. They reach the network only
// through the Denoiser and do their arithmetic through pixforge::ops, so they run on any backend.
#pragma once

#include <atomic>
#include <functional>
#include <span>
#include <stdexcept>
#include <string_view>

#include "pixforge/core/tensor.h"
#include "pixforge/sampling/denoiser.h"
#include "pixforge/sampling/noise.h"

namespace pixforge::sampling {

class SdeNoise;  // brownian_tree.h

enum class SamplerKind {
  Euler,
  EulerAncestral,
  Heun,
  Dpm2,           // schedule with discard_penultimate (ComfyUI does; see sampling_sigmas)
  Dpm2Ancestral,  // likewise
  Dpmpp2sAncestral,
  Dpmpp2m,
  // The two SDE samplers draw SamplerContext::sde_noise (ComfyUI: Brownian-tree increments,
  // brownian_tree.h), or, without one, a plain Gaussian draw per step from SamplerContext::noise.
  Dpmpp2mSde,  // midpoint solver
  DpmppSde,    // r = 1/2
  Lcm,
  Ddim,  // ComfyUI's ddim: the Euler step (usually with the ddim_uniform scheduler)
};

// ComfyUI names: "euler", "euler_ancestral", "heun", "dpm_2", "dpm_2_ancestral",
// "dpmpp_2s_ancestral", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_sde", "lcm", "ddim"; throws
// std::invalid_argument listing them otherwise.
SamplerKind parse_sampler(std::string_view name);
// Every sampler, in ComfyUI's menu order (for help texts and API listings).
std::span<const SamplerKind> all_samplers();
std::string_view sampler_name(SamplerKind kind);
// Whether the sampler draws noise during the run (needs SamplerContext::noise).
bool sampler_uses_noise(SamplerKind kind);
// Whether ComfyUI schedules this sampler with one extra step and drops the penultimate sigma.
bool sampler_discards_penultimate_sigma(SamplerKind kind);

struct StepInfo {
  int step = 0;   // 0-based
  int total = 0;  // number of steps (sigmas.size() - 1)
  float sigma = 0, sigma_next = 0;
  const Tensor* x = nullptr;         // latent entering the step
  const Tensor* denoised = nullptr;  // the denoiser's prediction at sigma
};

// Thrown when a run is cancelled between steps.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("sampling cancelled") {}
};

struct SamplerContext {
  NoiseSampler* noise = nullptr;  // required by ancestral and lcm samplers (SDE: see below)
  // The SDE samplers' noise per step (sigma -> sigma_next); when null they draw from `noise`.
  SdeNoise* sde_noise = nullptr;
  float eta = 1.0f;      // ancestral / SDE noise amount
  float s_noise = 1.0f;  // noise multiplier
  // Called once per step after the first denoiser call; returning false cancels the run.
  std::function<bool(const StepInfo&)> on_step;
  // Polled before each step; true cancels the run.
  const std::atomic<bool>* cancel = nullptr;
};

// Runs `kind` from x (already noise-scaled, see noise_scaling) over `sigmas` (descending, at
// least 1 value; a single value returns x unchanged). Throws Cancelled, or
// std::invalid_argument for bad sigmas or a missing noise sampler.
Tensor sample(SamplerKind kind, const Denoiser& denoiser, Tensor x, std::span<const float> sigmas,
              const SamplerContext& context = {});

}  // namespace pixforge::sampling
