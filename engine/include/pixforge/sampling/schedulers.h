// Sigma schedules for a sampling run, as ComfyUI's calculate_sigmas and KSampler define them.
// Every schedule is descending and ends in 0 (steps + 1 values, except ddim_uniform, which gives
// ComfyUI's count: one step per 1000/steps stride of the 999 usable timesteps, and beta, which
// drops repeated timesteps as ComfyUI does).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "pixforge/sampling/discrete_schedule.h"

namespace pixforge::sampling {

enum class Scheduler {
  Normal,
  Karras,
  Exponential,
  SgmUniform,
  Simple,
  DdimUniform,
  Beta,
  LinearQuadratic,
  KlOptimal,
};

// "normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta",
// "linear_quadratic", "kl_optimal"; throws std::invalid_argument listing them otherwise.
Scheduler parse_scheduler(std::string_view name);
// Every scheduler, in the order above.
std::span<const Scheduler> all_schedulers();
std::string_view scheduler_name(Scheduler s);

// calculate_sigmas(model_sampling, scheduler, steps): steps >= 1.
std::vector<float> calculate_sigmas(const DiscreteSchedule& schedule, Scheduler scheduler,
                                    int steps);

// k-diffusion's get_sigmas_karras / get_sigmas_exponential (float32, zero appended).
std::vector<float> karras_sigmas(int n, double sigma_min, double sigma_max, double rho = 7.0);
std::vector<float> exponential_sigmas(int n, double sigma_min, double sigma_max);
// ComfyUI's beta_scheduler (Beta(alpha, beta) quantiles of the timesteps, arXiv 2407.12173).
std::vector<float> beta_sigmas(const DiscreteSchedule& schedule, int steps, double alpha = 0.6,
                               double beta = 0.6);
// ComfyUI's linear_quadratic_schedule (from Mochi): linear in the first half, quadratic after,
// scaled by sigma_max.
std::vector<float> linear_quadratic_sigmas(const DiscreteSchedule& schedule, int steps,
                                           double threshold_noise = 0.025);
// ComfyUI's kl_optimal_scheduler (A1111 PR 15608): tan of a linear blend of atan(sigma_min) and
// atan(sigma_max); needs n >= 2.
std::vector<float> kl_optimal_sigmas(int n, double sigma_min, double sigma_max);

// ComfyUI's SDTurboScheduler node (what SD-Turbo / SDXL-Turbo workflows use): timesteps
// 999, 899, ..., 99, starting 10 - int(10 * denoise) entries in, `steps` of them (1..10, and
// never past the last), mapped to sigmas, zero appended.
std::vector<float> sd_turbo_sigmas(const DiscreteSchedule& schedule, int steps,
                                   double denoise = 1.0);

// KSampler.set_steps + calculate_sigmas: with denoise < 1 (img2img strength) the last steps + 1
// sigmas of a schedule for int(steps / denoise) steps; with `discard_penultimate` (ComfyUI does
// it for dpm_2) the schedule is made one step longer and its second-to-last sigma dropped.
// denoise must be in (0, 1]; steps in 1..10000.
std::vector<float> sampling_sigmas(const DiscreteSchedule& schedule, Scheduler scheduler, int steps,
                                   double denoise = 1.0, bool discard_penultimate = false);

}  // namespace pixforge::sampling
