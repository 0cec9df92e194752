// Euler (Karras et al. 2022, Algorithm 2 without churn) and Euler ancestral.
#include "lincomb.h"
#include "sampler_steps.h"

namespace pixforge::sampling::detail {

Tensor sample_euler(const Run& run, Tensor x) {
  for (int i = 0; i < run.steps(); ++i) {
    const Tensor denoised = run.begin_step(i, x);
    const Tensor d = to_d(x, run.sigma(i), denoised);
    x = axpy(run.sigma(i + 1) - run.sigma(i), d, x);
  }
  return x;
}

Tensor sample_euler_ancestral(const Run& run, Tensor x) {
  const auto& ctx = run.context();
  for (int i = 0; i < run.steps(); ++i) {
    const Tensor denoised = run.begin_step(i, x);
    const auto step = ancestral_step(run.sigma(i), run.sigma(i + 1), ctx.eta);
    const Tensor d = to_d(x, run.sigma(i), denoised);
    x = axpy(step.down - run.sigma(i), d, x);
    // Noise is drawn whenever the next sigma is positive, even with eta = 0 (as k-diffusion),
    // so the noise stream stays aligned with ComfyUI's.
    if (run.sigma(i + 1) > 0) x = axpy(ctx.s_noise * step.up, run.noise(x), x);
  }
  return x;
}

}  // namespace pixforge::sampling::detail
