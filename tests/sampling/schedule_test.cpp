// Sigma schedules against ComfyUI/k-diffusion restated in torch
// (tools/reference/sampling_schedules.py).
//
// Tolerances: every schedule is compared bit for bit (torch's linspace with its FMA and vector
// lanes, and SLEEF's expf, are restated exactly), except karras at 1 ulp: for blocks of 16
// values torch raises to the power rho with SLEEF's vector powf (1-ulp accurate) where we use
// libm; a wrong formula or operation order shows up as many ulps (rho = 7 multiplies them).
// kl_optimal likewise allows 1 ulp for torch's SLEEF tanf.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "pixforge/sampling/discrete_schedule.h"
#include "pixforge/sampling/schedulers.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::sampling {
namespace {

using testing::Golden;

const Golden& golden() {
  static const Golden g =
      testing::load_golden(testing::golden_path("sampling/schedules.safetensors"), 4);
  return g;
}

const std::vector<int> kSteps = {1, 2, 3, 4, 7, 10, 15, 16, 20, 25, 30, 33, 50, 100};

std::int64_t ulps(float a, float b) {
  if (a == b) return 0;
  std::int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  if ((ia < 0) != (ib < 0)) return std::int64_t{1} << 32;
  return std::abs(std::int64_t{ia} - std::int64_t{ib});
}

void expect_ulps(const std::vector<float>& got, const std::string& key, std::int64_t max_ulp) {
  SCOPED_TRACE(key);
  const auto& e = golden().at(key).values;
  ASSERT_EQ(got.size(), e.size());
  for (std::size_t i = 0; i < e.size(); ++i) {
    EXPECT_LE(ulps(got[i], e[i]), max_ulp)
        << "index " << i << ": got " << got[i] << " expected " << e[i];
  }
}

std::int64_t tolerance(Scheduler s) {
  return s == Scheduler::Karras || s == Scheduler::KlOptimal ? 1 : 0;
}

const std::vector<Scheduler> kAll = {
    Scheduler::Normal,     Scheduler::Karras,          Scheduler::Exponential,
    Scheduler::SgmUniform, Scheduler::Simple,          Scheduler::DdimUniform,
    Scheduler::Beta,       Scheduler::LinearQuadratic, Scheduler::KlOptimal};

TEST(DiscreteSchedule, SigmasMatchModelSamplingDiscreteBitExactly) {
  DiscreteSchedule s;
  expect_ulps(s.sigmas(), "sigmas", 0);
  expect_ulps(s.log_sigmas(), "log_sigmas", 0);
  EXPECT_NEAR(s.sigma_min(), 0.0291672, 1e-6);
  EXPECT_NEAR(s.sigma_max(), 14.614641, 1e-5);
  expect_ulps(DiscreteSchedule(BetaSchedule{0.0001, 0.02, 1000}).sigmas(), "alt.sigmas", 0);
}

TEST(DiscreteSchedule, TimestepAndSigmaConversions) {
  DiscreteSchedule s;
  const auto& probe = golden().at("probe_sigma").values;
  const auto& nearest = golden().at("probe_timestep").ints;
  const auto& interp = golden().at("probe_timestep_interp").values;
  for (std::size_t i = 0; i < probe.size(); ++i) {
    EXPECT_EQ(s.timestep(probe[i]), nearest[i]) << "sigma " << probe[i];
    // Interpolated t: float32 arithmetic in both; 1e-4 absolute on t in [0, 999].
    EXPECT_NEAR(s.timestep_interpolated(probe[i]), interp[i], 1e-4) << "sigma " << probe[i];
  }
  const auto& t = golden().at("probe_t").values;
  std::vector<float> sig;
  for (float x : t) sig.push_back(s.sigma(x));
  expect_ulps(sig, "probe_t_sigma", 0);
  EXPECT_THROW(s.timestep(0.0f), std::invalid_argument);
}

TEST(Schedulers, EveryStepCountMatchesComfyUI) {
  DiscreteSchedule s;
  for (auto sched : kAll) {
    for (int steps : kSteps) {
      if (sched == Scheduler::KlOptimal && steps == 1) continue;  // refused (0/0 in ComfyUI)
      expect_ulps(calculate_sigmas(s, sched, steps),
                  std::string(scheduler_name(sched)) + "." + std::to_string(steps),
                  tolerance(sched));
    }
  }
}

TEST(Schedulers, DenoiseTakesTheTailOfALongerSchedule) {
  DiscreteSchedule s;
  const std::vector<std::pair<int, double>> cases = {{10, 0.5}, {20, 0.75}, {7, 0.3}, {4, 0.99995}};
  const std::vector<std::string> labels = {"10.denoise0.5", "20.denoise0.75", "7.denoise0.3",
                                           "4.denoise0.99995"};
  for (auto sched : kAll) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      expect_ulps(sampling_sigmas(s, sched, cases[i].first, cases[i].second),
                  std::string(scheduler_name(sched)) + "." + labels[i], tolerance(sched));
    }
    expect_ulps(sampling_sigmas(s, sched, 10, 1.0, true),
                std::string(scheduler_name(sched)) + ".10.discard", tolerance(sched));
    expect_ulps(sampling_sigmas(s, sched, 10, 0.6, true),
                std::string(scheduler_name(sched)) + ".10.denoise0.6.discard", tolerance(sched));
  }
}

TEST(Schedulers, SdTurboNodeMatchesComfyUI) {
  DiscreteSchedule s;
  const std::vector<std::pair<int, double>> cases = {{1, 1.0}, {2, 1.0},   {4, 1.0}, {10, 1.0},
                                                     {3, 0.5}, {10, 0.55}, {1, 0.3}};
  const std::vector<std::string> keys = {"1.1.0", "2.1.0",   "4.1.0", "10.1.0",
                                         "3.0.5", "10.0.55", "1.0.3"};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    expect_ulps(sd_turbo_sigmas(s, cases[i].first, cases[i].second), "turbo." + keys[i], 0);
  }
  EXPECT_EQ(sd_turbo_sigmas(s, 1).front(), s.sigma(999.0f));
  EXPECT_THROW(sd_turbo_sigmas(s, 11), std::invalid_argument);
  EXPECT_THROW(sd_turbo_sigmas(s, 1, 0.05), std::invalid_argument);
}

TEST(Schedulers, ShapeInvariants) {
  DiscreteSchedule s;
  for (auto sched : kAll) {
    const auto sig = calculate_sigmas(s, sched, 20);
    EXPECT_EQ(sig.back(), 0.0f);
    for (std::size_t i = 1; i < sig.size(); ++i) EXPECT_LT(sig[i], sig[i - 1]);
  }
  EXPECT_EQ(calculate_sigmas(s, Scheduler::Karras, 20).size(), 21u);
  EXPECT_FLOAT_EQ(calculate_sigmas(s, Scheduler::Karras, 20).front(), s.sigma_max());
}

TEST(Schedulers, BadArgumentsGiveClearErrors) {
  DiscreteSchedule s;
  EXPECT_THROW(calculate_sigmas(s, Scheduler::Normal, 0), std::invalid_argument);
  EXPECT_THROW(calculate_sigmas(s, Scheduler::Normal, 10001), std::invalid_argument);
  EXPECT_THROW(sampling_sigmas(s, Scheduler::Normal, 10, 0.0), std::invalid_argument);
  EXPECT_THROW(sampling_sigmas(s, Scheduler::Normal, 10, 1.5), std::invalid_argument);
  EXPECT_THROW(sampling_sigmas(s, Scheduler::Normal, 9000, 0.5), std::invalid_argument);
  EXPECT_EQ(parse_scheduler("sgm_uniform"), Scheduler::SgmUniform);
  EXPECT_EQ(parse_scheduler("beta"), Scheduler::Beta);
  EXPECT_EQ(parse_scheduler("kl_optimal"), Scheduler::KlOptimal);
  EXPECT_THROW(calculate_sigmas(s, Scheduler::KlOptimal, 1), std::invalid_argument);
  EXPECT_THROW(parse_scheduler("linear"), std::invalid_argument);
  EXPECT_THROW(DiscreteSchedule(BetaSchedule{0.02, 0.01, 1000}), std::invalid_argument);
}

TEST(BetaScheduler, UniformAndSquareLawQuantiles) {
  const DiscreteSchedule s;
  auto at = [&](int t) { return s.sigmas()[static_cast<std::size_t>(t)]; };
  // Beta(1, 1) is uniform: quantile(p) = p, timesteps rint(999 * {1, .8, .6, .4, .2}).
  EXPECT_EQ(beta_sigmas(s, 5, 1.0, 1.0),
            (std::vector<float>{at(999), at(799), at(599), at(400), at(200), 0.0f}));
  // Beta(2, 1) has CDF x^2: quantile(p) = sqrt(p); sqrt(0.5) * 999 = 706.4 -> 706.
  EXPECT_EQ(beta_sigmas(s, 2, 2.0, 1.0), (std::vector<float>{at(999), at(706), 0.0f}));
  EXPECT_THROW(beta_sigmas(s, 5, 0.0, 1.0), std::invalid_argument);
}

TEST(TorchLinspace, MatchesTorchEdgeCases) {
  EXPECT_EQ(torch_linspace(3.0f, 7.0f, 1), std::vector<float>{3.0f});
  EXPECT_TRUE(torch_linspace(0.0f, 1.0f, 0).empty());
  const auto v = torch_linspace(0.0f, 1.0f, 5);
  EXPECT_EQ(v, (std::vector<float>{0.0f, 0.25f, 0.5f, 0.75f, 1.0f}));
}

}  // namespace
}  // namespace pixforge::sampling
