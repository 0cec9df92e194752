// DPM-Solver++ (stochastic, r = 1/2) in ComfyUI's current form for ε/v models (half-log-SNR
// lambda = -log sigma): two denoiser calls per step, each half followed by an ancestral noise
// injection drawn for (sigma_i, sigma_s_1) and (sigma_i, sigma_{i+1}).
#include <cmath>

#include "lincomb.h"
#include "sampler_steps.h"
#include "sleef_expf.h"
#include "sleef_logf.h"

namespace pixforge::sampling::detail {

Tensor sample_dpmpp_sde(const Run& run, Tensor x) {
  const auto& ctx = run.context();
  constexpr float r = 0.5f;
  constexpr double fac = 1 / (2 * static_cast<double>(r));
  const bool inject = ctx.eta > 0 && ctx.s_noise > 0;
  for (int i = 0; i < run.steps(); ++i) {
    const Tensor denoised = run.begin_step(i, x);
    const float sigma = run.sigma_f(i), sigma_next = run.sigma_f(i + 1);
    if (sigma_next == 0) {
      x = denoised;
      continue;
    }
    // The intermediate sigma in float32 exactly as torch forms it: the Brownian tree rounds
    // query times to 1e-6, so one ulp here would change the noise.
    const float lambda_s = -sleef_logf(sigma), lambda_t = -sleef_logf(sigma_next);
    const float h = lambda_t - lambda_s;
    const float lambda_s_1 = lambda_s + r * h;
    const float sigma_s_1 = sleef_expf(-lambda_s_1);
    const double alpha_s = sigma * std::exp(static_cast<double>(lambda_s));
    const double alpha_s_1 = sigma_s_1 * std::exp(static_cast<double>(lambda_s_1));
    const double alpha_t = sigma_next * std::exp(static_cast<double>(lambda_t));
    const double sigma_from = std::exp(-static_cast<double>(lambda_s));

    // Step 1: to sigma_s_1, then noise back up.
    const auto step1 =
        ancestral_step(sigma_from, std::exp(-static_cast<double>(lambda_s_1)), ctx.eta);
    double h_ = -std::log(step1.down) - lambda_s;
    Tensor x2 =
        axpby(alpha_s_1 / alpha_s * std::exp(-h_), x, -alpha_s_1 * std::expm1(-h_), denoised);
    if (inject) {
      x2 = axpy(alpha_s_1 * ctx.s_noise * step1.up, run.sde_noise(x2, sigma, sigma_s_1), x2);
    }
    const Tensor denoised_2 = run.denoise(x2, sigma_s_1);

    // Step 2: from sigma with the blended prediction, then noise back up to sigma_next.
    const auto step2 =
        ancestral_step(sigma_from, std::exp(-static_cast<double>(lambda_t)), ctx.eta);
    h_ = -std::log(step2.down) - lambda_s;
    const Tensor denoised_d = axpby(1 - fac, denoised, fac, denoised_2);
    x = axpby(alpha_t / alpha_s * std::exp(-h_), x, -alpha_t * std::expm1(-h_), denoised_d);
    if (inject) {
      x = axpy(alpha_t * ctx.s_noise * step2.up, run.sde_noise(x, sigma, sigma_next), x);
    }
  }
  return x;
}

}  // namespace pixforge::sampling::detail
