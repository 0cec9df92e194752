// Latent Consistency Model sampling: jump to the prediction, then re-noise to the next sigma
// (ε/v noise_scaling without max_denoise: denoised + noise * sigma_next).
#include "lincomb.h"
#include "sampler_steps.h"

namespace pixforge::sampling::detail {

Tensor sample_lcm(const Run& run, Tensor x) {
  for (int i = 0; i < run.steps(); ++i) {
    x = run.begin_step(i, x);
    if (run.sigma(i + 1) > 0) x = axpy(run.sigma(i + 1), run.noise(x), x);
  }
  return x;
}

}  // namespace pixforge::sampling::detail
