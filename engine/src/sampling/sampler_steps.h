// The shared step loop and the per-family stepping functions behind sample() (sampler.cpp).
#pragma once

#include <span>

#include "pixforge/sampling/sampler.h"

namespace pixforge::sampling::detail {

// Carries what every sampler needs: the denoiser, the schedule, the callbacks.
class Run {
 public:
  Run(const Denoiser& denoiser, std::span<const float> sigmas, const SamplerContext& context);

  int steps() const { return static_cast<int>(sigmas_.size()) - 1; }
  double sigma(int i) const { return sigmas_[static_cast<std::size_t>(i)]; }
  float sigma_f(int i) const { return sigmas_[static_cast<std::size_t>(i)]; }
  // Throws Cancelled when the cancel flag is set.
  void check_cancel() const;
  // Calls the denoiser at sigma (throws if it returns a tensor of another shape).
  Tensor denoise(const Tensor& x, double sigma) const;
  // The first denoiser call of step i, then the progress callback (which may cancel).
  Tensor begin_step(int i, const Tensor& x) const;
  // One noise draw shaped like x; throws if the context has no noise sampler.
  Tensor noise(const Tensor& like) const;
  // The SDE noise for sigma -> sigma_next shaped like x: the context's SdeNoise, else noise().
  Tensor sde_noise(const Tensor& like, float sigma, float sigma_next) const;
  const SamplerContext& context() const { return context_; }

 private:
  const Denoiser& denoiser_;
  std::span<const float> sigmas_;
  const SamplerContext& context_;
};

Tensor sample_euler(const Run& run, Tensor x);
Tensor sample_euler_ancestral(const Run& run, Tensor x);
Tensor sample_heun(const Run& run, Tensor x);
Tensor sample_dpm_2(const Run& run, Tensor x);
Tensor sample_dpm_2_ancestral(const Run& run, Tensor x);
Tensor sample_dpmpp_2s_ancestral(const Run& run, Tensor x);
Tensor sample_dpmpp_2m(const Run& run, Tensor x);
Tensor sample_dpmpp_2m_sde(const Run& run, Tensor x);
Tensor sample_dpmpp_sde(const Run& run, Tensor x);
Tensor sample_lcm(const Run& run, Tensor x);

}  // namespace pixforge::sampling::detail
