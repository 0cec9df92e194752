// DPM-Solver++(2M) and its SDE variant (midpoint), multistep in t = -log(sigma).
#include <cmath>

#include "lincomb.h"
#include "sampler_steps.h"

namespace pixforge::sampling::detail {

Tensor sample_dpmpp_2m(const Run& run, Tensor x) {
  Tensor old_denoised;
  for (int i = 0; i < run.steps(); ++i) {
    const Tensor denoised = run.begin_step(i, x);
    const double sigma = run.sigma(i), sigma_next = run.sigma(i + 1);
    if (sigma_next == 0) {
      x = denoised;  // sigma_fn(inf) / sigma = 0 and -expm1(-inf) = 1
    } else {
      const double h = std::log(sigma) - std::log(sigma_next);  // t_next - t
      const double ratio = sigma_next / sigma, c = -std::expm1(-h);
      if (!old_denoised.defined()) {
        x = axpby(ratio, x, c, denoised);
      } else {
        const double h_last = std::log(run.sigma(i - 1)) - std::log(sigma);
        const double r = h_last / h;
        const Tensor denoised_d = axpby(1 + 1 / (2 * r), denoised, -1 / (2 * r), old_denoised);
        x = axpby(ratio, x, c, denoised_d);
      }
    }
    old_denoised = denoised;
  }
  return x;
}

Tensor sample_dpmpp_2m_sde(const Run& run, Tensor x) {
  const auto& ctx = run.context();
  const double eta = ctx.eta;
  Tensor old_denoised;
  double h_last = 0;
  for (int i = 0; i < run.steps(); ++i) {
    const Tensor denoised = run.begin_step(i, x);
    const double sigma = run.sigma(i), sigma_next = run.sigma(i + 1);
    if (sigma_next == 0) {
      x = denoised;
    } else {
      const double h = std::log(sigma) - std::log(sigma_next);
      const double eta_h = eta * h;
      const double c = -std::expm1(-h - eta_h);
      x = axpby(sigma_next / sigma * std::exp(-eta_h), x, c, denoised);
      if (old_denoised.defined()) {
        const double r = h_last / h;
        x = axpy(0.5 * c / r, sub(denoised, old_denoised), x);  // midpoint correction
      }
      if (eta > 0 && ctx.s_noise > 0) {
        const double noise_scale = sigma_next * std::sqrt(-std::expm1(-2 * eta_h)) * ctx.s_noise;
        x = axpy(noise_scale, run.sde_noise(x, run.sigma_f(i), run.sigma_f(i + 1)), x);
      }
      h_last = h;
    }
    old_denoised = denoised;
  }
  return x;
}

}  // namespace pixforge::sampling::detail
