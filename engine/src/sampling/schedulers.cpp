#include "pixforge/sampling/schedulers.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "beta_distribution.h"
#include "sleef_expf.h"

namespace pixforge::sampling {
namespace {

constexpr int kMaxSteps = 10000;

void check_steps(int steps) {
  if (steps < 1 || steps > kMaxSteps) {
    throw std::invalid_argument("steps must be in 1.." + std::to_string(kMaxSteps) + ", got " +
                                std::to_string(steps));
  }
}

// ComfyUI's normal_scheduler (sgm = false) and sgm_uniform (sgm = true): evenly spaced
// timesteps from the last to the first, mapped back to sigmas by log-linear interpolation.
std::vector<float> normal_sigmas(const DiscreteSchedule& s, int steps, bool sgm) {
  const float start = static_cast<float>(s.timestep(s.sigma_max()));
  const float end = static_cast<float>(s.timestep(s.sigma_min()));
  bool append_zero = true;
  std::vector<float> timesteps;
  if (sgm) {
    timesteps = torch_linspace(start, end, steps + 1);
    timesteps.pop_back();
  } else {
    if (std::fabs(s.sigma(end)) <= 1e-5) {  // a zero-terminal schedule ends in sigma 0 itself
      ++steps;
      append_zero = false;
    }
    timesteps = torch_linspace(start, end, steps);
  }
  std::vector<float> sigmas;
  for (float t : timesteps) sigmas.push_back(s.sigma(t));
  if (append_zero) sigmas.push_back(0.0f);
  return sigmas;
}

std::vector<float> simple_sigmas(const DiscreteSchedule& s, int steps) {
  const double stride = static_cast<double>(s.size()) / steps;
  std::vector<float> sigmas;
  for (int x = 0; x < steps; ++x) {
    const int from_end = 1 + static_cast<int>(x * stride);
    sigmas.push_back(s.sigmas()[static_cast<std::size_t>(s.size() - from_end)]);
  }
  sigmas.push_back(0.0f);
  return sigmas;
}

std::vector<float> ddim_uniform_sigmas(const DiscreteSchedule& s, int steps) {
  std::vector<float> ascending;
  if (std::fabs(s.sigmas()[1]) <= 1e-5) {
    ++steps;
  } else {
    ascending.push_back(0.0f);
  }
  const int stride = std::max(s.size() / steps, 1);
  for (int x = 1; x < s.size(); x += stride)
    ascending.push_back(s.sigmas()[static_cast<std::size_t>(x)]);
  return {ascending.rbegin(), ascending.rend()};
}

}  // namespace

Scheduler parse_scheduler(std::string_view name) {
  if (name == "normal") return Scheduler::Normal;
  if (name == "karras") return Scheduler::Karras;
  if (name == "exponential") return Scheduler::Exponential;
  if (name == "sgm_uniform") return Scheduler::SgmUniform;
  if (name == "simple") return Scheduler::Simple;
  if (name == "ddim_uniform") return Scheduler::DdimUniform;
  if (name == "beta") return Scheduler::Beta;
  if (name == "linear_quadratic") return Scheduler::LinearQuadratic;
  if (name == "kl_optimal") return Scheduler::KlOptimal;
  throw std::invalid_argument("unknown scheduler '" + std::string(name) +
                              "': expected normal, karras, exponential, sgm_uniform, simple, "
                              "ddim_uniform, beta, linear_quadratic or kl_optimal");
}

std::span<const Scheduler> all_schedulers() {
  static constexpr Scheduler kAll[] = {
      Scheduler::Normal,     Scheduler::Karras,          Scheduler::Exponential,
      Scheduler::SgmUniform, Scheduler::Simple,          Scheduler::DdimUniform,
      Scheduler::Beta,       Scheduler::LinearQuadratic, Scheduler::KlOptimal};
  return kAll;
}

std::string_view scheduler_name(Scheduler s) {
  switch (s) {
    case Scheduler::Normal:
      return "normal";
    case Scheduler::Karras:
      return "karras";
    case Scheduler::Exponential:
      return "exponential";
    case Scheduler::SgmUniform:
      return "sgm_uniform";
    case Scheduler::Simple:
      return "simple";
    case Scheduler::DdimUniform:
      return "ddim_uniform";
    case Scheduler::Beta:
      return "beta";
    case Scheduler::LinearQuadratic:
      return "linear_quadratic";
    case Scheduler::KlOptimal:
      return "kl_optimal";
  }
  return "?";
}

std::vector<float> karras_sigmas(int n, double sigma_min, double sigma_max, double rho) {
  check_steps(n);
  const auto ramp = torch_linspace(0.0f, 1.0f, n);
  const double min_inv_rho = std::pow(sigma_min, 1.0 / rho);
  const double max_inv_rho = std::pow(sigma_max, 1.0 / rho);
  // torch rounds each Python scalar to float32 before the elementwise float32 arithmetic.
  const float span = static_cast<float>(min_inv_rho - max_inv_rho);
  const float base = static_cast<float>(max_inv_rho);
  std::vector<float> sigmas;
  for (float r : ramp) {
    const float v = base + r * span;
    sigmas.push_back(static_cast<float>(std::pow(static_cast<double>(v), rho)));
  }
  sigmas.push_back(0.0f);
  return sigmas;
}

std::vector<float> exponential_sigmas(int n, double sigma_min, double sigma_max) {
  check_steps(n);
  const auto logs = torch_linspace(static_cast<float>(std::log(sigma_max)),
                                   static_cast<float>(std::log(sigma_min)), n);
  std::vector<float> sigmas;
  for (float l : logs) sigmas.push_back(detail::sleef_expf(l));
  sigmas.push_back(0.0f);
  return sigmas;
}

std::vector<float> beta_sigmas(const DiscreteSchedule& schedule, int steps, double alpha,
                               double beta) {
  check_steps(steps);
  if (!(alpha > 0) || !(beta > 0)) throw std::invalid_argument("beta scheduler: alpha, beta > 0");
  const int total = schedule.size() - 1;
  std::vector<float> sigmas;
  double last_t = -1;
  for (int i = 0; i < steps; ++i) {
    // numpy: 1 - linspace(0, 1, steps, endpoint=False), quantile, * total, rint
    const double p = 1.0 - i * (1.0 / steps);
    const double t = std::nearbyint(detail::beta_ppf(p, alpha, beta) * total);
    if (t != last_t) sigmas.push_back(schedule.sigmas()[static_cast<std::size_t>(t)]);
    last_t = t;
  }
  sigmas.push_back(0.0f);
  return sigmas;
}

std::vector<float> linear_quadratic_sigmas(const DiscreteSchedule& schedule, int steps,
                                           double threshold_noise) {
  check_steps(steps);
  // Noise levels in [0, 1] (Python doubles), then 1 - level, rounded to float and scaled.
  std::vector<double> levels;
  if (steps == 1) {
    levels = {0.0, 1.0};
  } else {
    const int linear_steps = steps / 2;
    for (int i = 0; i < linear_steps; ++i) levels.push_back(i * threshold_noise / linear_steps);
    const double step_diff = linear_steps - threshold_noise * steps;
    const int quadratic_steps = steps - linear_steps;
    const double quadratic_coef =
        step_diff / (linear_steps * static_cast<double>(quadratic_steps) * quadratic_steps);
    const double linear_coef =
        threshold_noise / linear_steps -
        2 * step_diff / (static_cast<double>(quadratic_steps) * quadratic_steps);
    const double constant = quadratic_coef * (static_cast<double>(linear_steps) * linear_steps);
    for (int i = linear_steps; i < steps; ++i) {
      levels.push_back(quadratic_coef * (static_cast<double>(i) * i) + linear_coef * i + constant);
    }
    levels.push_back(1.0);
  }
  std::vector<float> sigmas;
  for (double level : levels)
    sigmas.push_back(static_cast<float>(1.0 - level) * schedule.sigma_max());
  return sigmas;
}

std::vector<float> kl_optimal_sigmas(int n, double sigma_min, double sigma_max) {
  check_steps(n);
  if (n < 2) throw std::invalid_argument("kl_optimal needs at least 2 steps");
  const float atan_min = static_cast<float>(std::atan(sigma_min));
  const float atan_max = static_cast<float>(std::atan(sigma_max));
  std::vector<float> sigmas;
  for (int i = 0; i < n; ++i) {
    const float w = static_cast<float>(i) / static_cast<float>(n - 1);
    const float angle = w * atan_min + (1.0f - w) * atan_max;
    // torch evaluates tan with SLEEF's tanf; libm's float tan agrees within 1 ulp.
    sigmas.push_back(std::tan(angle));
  }
  sigmas.push_back(0.0f);
  return sigmas;
}

std::vector<float> calculate_sigmas(const DiscreteSchedule& schedule, Scheduler scheduler,
                                    int steps) {
  check_steps(steps);
  switch (scheduler) {
    case Scheduler::Normal:
      return normal_sigmas(schedule, steps, false);
    case Scheduler::SgmUniform:
      return normal_sigmas(schedule, steps, true);
    case Scheduler::Karras:
      return karras_sigmas(steps, schedule.sigma_min(), schedule.sigma_max());
    case Scheduler::Exponential:
      return exponential_sigmas(steps, schedule.sigma_min(), schedule.sigma_max());
    case Scheduler::Simple:
      return simple_sigmas(schedule, steps);
    case Scheduler::DdimUniform:
      return ddim_uniform_sigmas(schedule, steps);
    case Scheduler::Beta:
      return beta_sigmas(schedule, steps);
    case Scheduler::LinearQuadratic:
      return linear_quadratic_sigmas(schedule, steps);
    case Scheduler::KlOptimal:
      return kl_optimal_sigmas(steps, schedule.sigma_min(), schedule.sigma_max());
  }
  throw std::invalid_argument("unknown scheduler");
}

std::vector<float> sd_turbo_sigmas(const DiscreteSchedule& schedule, int steps, double denoise) {
  if (steps < 1 || steps > 10) {
    throw std::invalid_argument("SD-Turbo schedule takes 1..10 steps, got " +
                                std::to_string(steps));
  }
  if (!(denoise > 0.0) || denoise > 1.0) {
    throw std::invalid_argument("denoise must be in (0, 1], got " + std::to_string(denoise));
  }
  const int start = 10 - static_cast<int>(10 * denoise);
  std::vector<float> sigmas;
  for (int k = start; k < std::min(start + steps, 10); ++k) {
    sigmas.push_back(schedule.sigma(static_cast<float>((10 - k) * 100 - 1)));
  }
  if (sigmas.empty()) throw std::invalid_argument("denoise too small for the SD-Turbo schedule");
  sigmas.push_back(0.0f);
  return sigmas;
}

std::vector<float> sampling_sigmas(const DiscreteSchedule& schedule, Scheduler scheduler, int steps,
                                   double denoise, bool discard_penultimate) {
  check_steps(steps);
  if (!(denoise > 0.0) || denoise > 1.0) {
    throw std::invalid_argument("denoise must be in (0, 1], got " + std::to_string(denoise));
  }
  auto full = [&](int n) {
    if (!discard_penultimate) return calculate_sigmas(schedule, scheduler, n);
    auto sigmas = calculate_sigmas(schedule, scheduler, n + 1);
    sigmas.erase(sigmas.end() - 2);
    return sigmas;
  };
  if (denoise > 0.9999) return full(steps);
  const double scaled = steps / denoise;
  if (scaled > kMaxSteps) {
    throw std::invalid_argument("steps / denoise exceeds " + std::to_string(kMaxSteps));
  }
  auto sigmas = full(static_cast<int>(scaled));
  if (sigmas.size() > static_cast<std::size_t>(steps) + 1) {
    sigmas.erase(sigmas.begin(), sigmas.end() - (steps + 1));
  }
  return sigmas;
}

}  // namespace pixforge::sampling
