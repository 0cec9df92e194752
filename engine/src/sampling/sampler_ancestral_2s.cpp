// Two-stage ancestral samplers: DPM-Solver-2 ancestral and DPM-Solver++(2S) ancestral. Each
// steps deterministically down to sigma_down (two denoiser calls), then adds noise back up to
// the next sigma.
#include <cmath>

#include "lincomb.h"
#include "sampler_steps.h"

namespace pixforge::sampling::detail {

Tensor sample_dpm_2_ancestral(const Run& run, Tensor x) {
  const auto& ctx = run.context();
  for (int i = 0; i < run.steps(); ++i) {
    const Tensor denoised = run.begin_step(i, x);
    const double sigma = run.sigma(i);
    const auto step = ancestral_step(sigma, run.sigma(i + 1), ctx.eta);
    const Tensor d = to_d(x, sigma, denoised);
    if (step.down == 0) {
      x = axpy(step.down - sigma, d, x);
      continue;  // k-diffusion adds no noise on this branch
    }
    const double log_s = std::log(sigma), log_down = std::log(step.down);
    const double sigma_mid = std::exp(log_down - (log_down - log_s) * 0.5);
    const Tensor x2 = axpy(sigma_mid - sigma, d, x);
    const Tensor d2 = to_d(x2, sigma_mid, run.denoise(x2, sigma_mid));
    x = axpy(step.down - sigma, d2, x);
    x = axpy(ctx.s_noise * step.up, run.noise(x), x);
  }
  return x;
}

Tensor sample_dpmpp_2s_ancestral(const Run& run, Tensor x) {
  const auto& ctx = run.context();
  for (int i = 0; i < run.steps(); ++i) {
    const Tensor denoised = run.begin_step(i, x);
    const double sigma = run.sigma(i);
    const auto step = ancestral_step(sigma, run.sigma(i + 1), ctx.eta);
    if (step.down == 0) {
      x = axpy(step.down - sigma, to_d(x, sigma, denoised), x);
    } else {
      // t = -log sigma; midpoint s = t + h/2 towards t_next = -log sigma_down.
      const double h = std::log(sigma) - std::log(step.down);
      const double sigma_s = sigma * std::exp(-0.5 * h);
      const Tensor x2 = axpby(sigma_s / sigma, x, -std::expm1(-0.5 * h), denoised);
      const Tensor denoised_2 = run.denoise(x2, sigma_s);
      x = axpby(step.down / sigma, x, -std::expm1(-h), denoised_2);
    }
    if (run.sigma(i + 1) > 0) x = axpy(ctx.s_noise * step.up, run.noise(x), x);
  }
  return x;
}

}  // namespace pixforge::sampling::detail
