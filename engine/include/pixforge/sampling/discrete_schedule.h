// The discrete noise schedule of Stable Diffusion 1.x/2.x, as ComfyUI's ModelSamplingDiscrete
// builds it: betas = linspace(sqrt(0.00085), sqrt(0.012), 1000)^2 in float64, alphas_cumprod by
// running product, sigma_t = sqrt((1 - abar_t) / abar_t), then sigmas and log-sigmas rounded to
// float32. The checkpoint's own alphas_cumprod is not used. ε- and v-prediction models share it.
#pragma once

#include <vector>

namespace pixforge::sampling {

struct BetaSchedule {
  double linear_start = 0.00085;
  double linear_end = 0.012;
  int timesteps = 1000;
};

class DiscreteSchedule {
 public:
  explicit DiscreteSchedule(const BetaSchedule& betas = {});

  const std::vector<float>& sigmas() const { return sigmas_; }  // ascending, one per timestep
  const std::vector<float>& log_sigmas() const { return log_sigmas_; }
  float sigma_min() const { return sigmas_.front(); }
  float sigma_max() const { return sigmas_.back(); }
  int size() const { return static_cast<int>(sigmas_.size()); }

  // ComfyUI's timestep(sigma): the index of the nearest log-sigma (what the UNet is given).
  int timestep(float sigma) const;
  // k-diffusion's sigma_to_t(quantize=False): log-sigma interpolated between neighbours.
  float timestep_interpolated(float sigma) const;
  // ComfyUI's sigma(t): log-linear interpolation at fractional t, in float32 as torch does it.
  float sigma(float t) const;

 private:
  std::vector<float> sigmas_;
  std::vector<float> log_sigmas_;
};

// torch.linspace(start, end, steps) as torch's CPU kernel computes it (float32 and float64),
// including its FMA and the lanes its AVX2 kernel fills as base + k*step: schedules built from it
// then match ComfyUI to the bit.
std::vector<float> torch_linspace(float start, float end, int steps);
std::vector<double> torch_linspace(double start, double end, int steps);

}  // namespace pixforge::sampling
