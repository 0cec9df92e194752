// DPM-Solver++ (stochastic, r = 1/2): two denoiser calls per step, each half followed by an
// ancestral noise injection.
#include <cmath>

#include "lincomb.h"
#include "sampler_steps.h"

namespace pixforge::sampling::detail {

Tensor sample_dpmpp_sde(const Run& run, Tensor x) {
  const auto& ctx = run.context();
  constexpr double r = 0.5;
  constexpr double fac = 1 / (2 * r);
  for (int i = 0; i < run.steps(); ++i) {
    const Tensor denoised = run.begin_step(i, x);
    const double sigma = run.sigma(i), sigma_next = run.sigma(i + 1);
    if (sigma_next == 0) {
      x = axpy(sigma_next - sigma, to_d(x, sigma, denoised), x);
      continue;
    }
    const double t = -std::log(sigma), t_next = -std::log(sigma_next);
    const double s = t + (t_next - t) * r;
    const double sigma_s = std::exp(-s);
    // Step 1: to the intermediate time s, then noise back up to sigma_s.
    const auto step1 = ancestral_step(sigma, sigma_s, ctx.eta);
    const double s_ = -std::log(step1.down);
    Tensor x2 = axpby(step1.down / sigma, x, -std::expm1(t - s_), denoised);
    x2 = axpy(ctx.s_noise * step1.up, run.noise(x2), x2);
    const Tensor denoised_2 = run.denoise(x2, sigma_s);
    // Step 2: from t with the blended prediction, then noise back up to sigma_next.
    const auto step2 = ancestral_step(sigma, sigma_next, ctx.eta);
    const double t_next_ = -std::log(step2.down);
    const Tensor denoised_d = axpby(1 - fac, denoised, fac, denoised_2);
    x = axpby(step2.down / sigma, x, -std::expm1(t - t_next_), denoised_d);
    x = axpy(ctx.s_noise * step2.up, run.noise(x), x);
  }
  return x;
}

}  // namespace pixforge::sampling::detail
