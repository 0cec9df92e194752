// Second-order samplers that evaluate the denoiser twice per step: Heun (trapezoid) and
// DPM-Solver-2 (midpoint in log sigma). Both fall back to Euler for the step to sigma 0.
#include <cmath>

#include "lincomb.h"
#include "pixforge/core/ops.h"
#include "sampler_steps.h"

namespace pixforge::sampling::detail {

Tensor sample_heun(const Run& run, Tensor x) {
  for (int i = 0; i < run.steps(); ++i) {
    const Tensor denoised = run.begin_step(i, x);
    const Tensor d = to_d(x, run.sigma(i), denoised);
    const double dt = run.sigma(i + 1) - run.sigma(i);
    if (run.sigma(i + 1) == 0) {
      x = axpy(dt, d, x);
      continue;
    }
    const Tensor x2 = axpy(dt, d, x);
    const Tensor d2 = to_d(x2, run.sigma(i + 1), run.denoise(x2, run.sigma(i + 1)));
    x = axpy(dt, scaled(ops::add(d, d2), 0.5), x);
  }
  return x;
}

Tensor sample_dpm_2(const Run& run, Tensor x) {
  for (int i = 0; i < run.steps(); ++i) {
    const Tensor denoised = run.begin_step(i, x);
    const Tensor d = to_d(x, run.sigma(i), denoised);
    if (run.sigma(i + 1) == 0) {
      x = axpy(run.sigma(i + 1) - run.sigma(i), d, x);
      continue;
    }
    // sigma_mid = exp(lerp(log sigma, log sigma_next, 0.5))
    const double log_s = std::log(run.sigma(i)), log_n = std::log(run.sigma(i + 1));
    const double sigma_mid = std::exp(log_n - (log_n - log_s) * 0.5);
    const Tensor x2 = axpy(sigma_mid - run.sigma(i), d, x);
    const Tensor d2 = to_d(x2, sigma_mid, run.denoise(x2, sigma_mid));
    x = axpy(run.sigma(i + 1) - run.sigma(i), d2, x);
  }
  return x;
}

}  // namespace pixforge::sampling::detail
