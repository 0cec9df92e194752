#include "pixforge/sampling/discrete_schedule.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "sleef_expf.h"

namespace pixforge::sampling {
namespace {

// torch's linspace kernel: the first half counts up from start, the second half down from end;
// whole blocks of 2 * kLanes values go through the vector path, where each group of kLanes
// starts at the scalar formula and adds k * step to it. kLanes is the AVX2 vector width (8 floats,
// 4 doubles) of the torch builds ComfyUI runs on x86; torch's build fuses the scalar formula's
// multiply-add (FMA) but rounds the vector lanes' k * step before adding it, and so do we.
template <class T, int kLanes>
std::vector<T> linspace_impl(T start, T end, int steps) {
  if (steps < 0) throw std::invalid_argument("linspace: negative steps " + std::to_string(steps));
  std::vector<T> out(static_cast<std::size_t>(steps));
  if (steps == 0) return out;
  if (steps == 1) {
    out[0] = start;
    return out;
  }
  const std::int64_t n = steps;
  const T step = (end - start) / static_cast<T>(n - 1);
  const std::int64_t halfway = n / 2;
  auto scalar_at = [&](std::int64_t i) {
    return i < halfway ? std::fma(step, static_cast<T>(i), start)
                       : std::fma(-step, static_cast<T>(n - i - 1), end);
  };
  const std::int64_t vector_end = n - n % (2 * kLanes);
  std::int64_t i = 0;
  for (; i < vector_end; i += kLanes) {
    const T base = scalar_at(i);
    out[static_cast<std::size_t>(i)] = base;
    for (int k = 1; k < kLanes; ++k)
      out[static_cast<std::size_t>(i + k)] = base + static_cast<T>(k) * step;
  }
  for (; i < n; ++i) out[static_cast<std::size_t>(i)] = scalar_at(i);
  return out;
}

}  // namespace

std::vector<float> torch_linspace(float start, float end, int steps) {
  return linspace_impl<float, 8>(start, end, steps);
}

std::vector<double> torch_linspace(double start, double end, int steps) {
  return linspace_impl<double, 4>(start, end, steps);
}

DiscreteSchedule::DiscreteSchedule(const BetaSchedule& config) {
  if (config.timesteps < 2 || config.timesteps > 100000 || !(config.linear_start > 0) ||
      !(config.linear_end > config.linear_start) || !(config.linear_end < 1)) {
    throw std::invalid_argument(
        "beta schedule needs 0 < linear_start < linear_end < 1 and 2..100000 "
        "timesteps");
  }
  const auto roots = torch_linspace(std::pow(config.linear_start, 0.5),
                                    std::pow(config.linear_end, 0.5), config.timesteps);
  double alphas_cumprod = 1.0;
  sigmas_.reserve(roots.size());
  log_sigmas_.reserve(roots.size());
  for (double r : roots) {
    alphas_cumprod *= 1.0 - r * r;
    const double sigma = std::sqrt((1.0 - alphas_cumprod) / alphas_cumprod);
    sigmas_.push_back(static_cast<float>(sigma));
    log_sigmas_.push_back(static_cast<float>(std::log(sigma)));
  }
}

int DiscreteSchedule::timestep(float sigma) const {
  if (!(sigma > 0)) throw std::invalid_argument("timestep: sigma must be positive");
  const float log_sigma = std::log(sigma);
  int best = 0;
  float best_dist = std::fabs(log_sigma - log_sigmas_[0]);
  for (int i = 1; i < size(); ++i) {
    const float d = std::fabs(log_sigma - log_sigmas_[static_cast<std::size_t>(i)]);
    if (d < best_dist) {  // first minimum wins, as torch's argmin
      best_dist = d;
      best = i;
    }
  }
  return best;
}

float DiscreteSchedule::timestep_interpolated(float sigma) const {
  if (!(sigma > 0)) throw std::invalid_argument("timestep: sigma must be positive");
  const float log_sigma = std::log(sigma);
  // low: the last index whose log-sigma is <= log_sigma, clamped so that low + 1 exists.
  const auto it = std::upper_bound(log_sigmas_.begin(), log_sigmas_.end(), log_sigma);
  const int low = std::clamp(static_cast<int>(it - log_sigmas_.begin()) - 1, 0, size() - 2);
  const float lo = log_sigmas_[static_cast<std::size_t>(low)];
  const float hi = log_sigmas_[static_cast<std::size_t>(low + 1)];
  const float w = std::clamp((lo - log_sigma) / (lo - hi), 0.0f, 1.0f);
  return (1.0f - w) * static_cast<float>(low) + w * static_cast<float>(low + 1);
}

float DiscreteSchedule::sigma(float t) const {
  t = std::clamp(t, 0.0f, static_cast<float>(size() - 1));
  const auto low = static_cast<std::size_t>(std::floor(t));
  const auto high = static_cast<std::size_t>(std::ceil(t));
  const float w = t - std::trunc(t);
  const float log_sigma = (1.0f - w) * log_sigmas_[low] + w * log_sigmas_[high];
  return detail::sleef_expf(log_sigma);
}

}  // namespace pixforge::sampling
