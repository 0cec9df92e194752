// ComfyUI's SDE noise (k-diffusion BrownianTreeNoiseSampler over torchsde's BrownianTree) against
// tools/reference/sampling_brownian.py: numpy SeedSequence words, torch's float32 log, raw tree
// increments and whole dpmpp_sde / dpmpp_2m_sde trajectories for several seeds.
//
// SeedSequence words, logs, tree increments and the query times the samplers pass to the tree
// are integers or float32 results of the same float32 operations in the same order, so they are
// compared exactly: a wrong seed, split point or rounding changes them completely. Trajectories
// use sampler_test.cpp's bound (2e-5 of the step's scale + 1e-5 relative) for the same reason
// given there (double coefficients vs torch's float32 chain); a wrong noise draw shows at 1e-1.
#include "pixforge/sampling/brownian_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/sampling/ksampler.h"
#include "pixforge/sampling/noise.h"
#include "pixforge/sampling/sampler.h"
#include "pixforge/sampling/schedulers.h"
#include "pixforge/sampling/torch_cpu_rng.h"
#include "seed_sequence.h"
#include "sleef_logf.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::sampling {
namespace {

using testing::Golden;

const Golden& golden() {
  static const Golden g =
      testing::load_golden(testing::golden_path("sampling/brownian.safetensors"), 1);
  return g;
}

Backend& backend() {
  static auto b = make_reference_backend();
  return *b;
}

const Shape kShape{2, 5, 3, 4};  // NHWC of the reference's NCHW [2, 4, 5, 3]
constexpr std::size_t kNumel = 120;

std::vector<float> slice(const std::vector<float>& all, std::size_t i, std::size_t n) {
  return {all.begin() + static_cast<std::ptrdiff_t>(i * n),
          all.begin() + static_cast<std::ptrdiff_t>((i + 1) * n)};
}

::testing::AssertionResult close_to_scale(const std::vector<float>& got,
                                          const std::vector<float>& expected) {
  double scale = 0;
  for (float v : expected) scale = std::max(scale, static_cast<double>(std::fabs(v)));
  return testing::all_close(got, expected, 2e-5 * scale, 1e-5);
}

TEST(SeedSequence, MatchesNumpyWords) {
  const auto& rows = golden().at("seed_sequence").ints;
  ASSERT_EQ(rows.size() % 8, 0u);
  for (std::size_t r = 0; r < rows.size() / 8; ++r) {
    const std::int64_t* row = &rows[r * 8];
    const std::uint64_t entropy =
        static_cast<std::uint64_t>(row[0]) | (static_cast<std::uint64_t>(row[1]) << 32);
    std::vector<std::uint64_t> spawn;
    if (row[2] >= 0)
      spawn = {static_cast<std::uint64_t>(row[2]), static_cast<std::uint64_t>(row[3])};
    const auto state = detail::seed_sequence_state(entropy, spawn, 24, 4);
    for (int k = 0; k < 4; ++k) {
      EXPECT_EQ(state[static_cast<std::size_t>(k)], static_cast<std::uint32_t>(row[4 + k]))
          << "row " << r << " word " << k;
    }
  }
}

TEST(TorchLog, BitExactWithTorchFloatLog) {
  const auto& x = golden().at("log.x").values;
  const auto& y = golden().at("log.y").values;
  ASSERT_EQ(x.size(), y.size());
  int mismatches = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (detail::sleef_logf(x[i]) != y[i] && ++mismatches < 5) {
      ADD_FAILURE() << "log(" << x[i] << ") = " << detail::sleef_logf(x[i]) << ", torch " << y[i];
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(detail::sleef_logf(0.0f), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(detail::sleef_logf(-1.0f)));
}

TEST(BrownianTree, IncrementsMatchTorchsdeExactly) {
  const auto& queries = golden().at("tree.queries").values;
  const std::size_t n = queries.size() / 2;
  for (std::uint64_t seed : {0ull, 5ull, (1ull << 40) + 3}) {
    BrownianTree tree(0.0291675f, 14.614642f, static_cast<std::int64_t>(kNumel), seed);
    const auto& expected = golden().at("tree." + std::to_string(seed) + ".w").values;
    ASSERT_EQ(expected.size(), n * kNumel);
    for (std::size_t q = 0; q < n; ++q) {
      const float a = queries[2 * q], b = queries[2 * q + 1];
      auto w = tree.increment(std::min(a, b), std::max(a, b));
      if (a > b) {
        for (float& v : w) v = -v;
      }
      EXPECT_EQ(w, slice(expected, q, kNumel)) << "seed " << seed << " query " << q;
    }
  }
}

TEST(BrownianTree, IncrementsAddUpAndBadQueriesThrow) {
  BrownianTree tree(0.5, 4.0, 64, 11);
  const auto whole = tree.increment(1.0, 3.0);
  const auto a = tree.increment(1.0, 2.2), b = tree.increment(2.2, 3.0);
  for (std::size_t i = 0; i < whole.size(); ++i) EXPECT_NEAR(whole[i], a[i] + b[i], 1e-5f);
  // Same seed, other query order: the same path (the point of a Brownian tree).
  BrownianTree other(0.5, 4.0, 64, 11);
  EXPECT_EQ(other.increment(2.2, 3.0), b);
  EXPECT_EQ(other.increment(1.0, 3.0), whole);
  EXPECT_NE(BrownianTree(0.5, 4.0, 64, 12).increment(1.0, 3.0), whole);
  EXPECT_THROW(tree.increment(3.0, 1.0), std::invalid_argument);
  EXPECT_THROW(tree.increment(std::nan(""), 1.0), std::invalid_argument);
  EXPECT_THROW(BrownianTree(2.0, 1.0, 4, 0), std::invalid_argument);
  EXPECT_THROW(BrownianTree(0.0, 1.0, 0, 0), std::invalid_argument);
  EXPECT_EQ(parse_sde_noise_kind("brownian"), SdeNoiseKind::BrownianTree);
  EXPECT_EQ(parse_sde_noise_kind("gaussian"), SdeNoiseKind::Gaussian);
  EXPECT_THROW(parse_sde_noise_kind("pink"), std::invalid_argument);
}

Denoiser toy_denoiser() {
  Tensor b = Tensor::from_host(backend(), kShape, golden().at("toy.b").values);
  return [b](const Tensor& x, float sigma) {
    const float scale = 0.8f / (sigma * sigma + 1.0f);
    return ops::add(ops::scale_bias(x, scale), b);
  };
}

// Records the (sigma, sigma_next) pairs a sampler asks the tree for.
class Recording final : public SdeNoise {
 public:
  explicit Recording(SdeNoise& inner) : inner_(inner) {}
  Tensor draw(Backend& backend, float sigma, float sigma_next) override {
    calls.push_back(sigma);
    calls.push_back(sigma_next);
    return inner_.draw(backend, sigma, sigma_next);
  }
  std::vector<float> calls;

 private:
  SdeNoise& inner_;
};

struct Case {
  std::string name;
  SamplerKind kind;
  Scheduler scheduler;
  int steps;
  std::uint64_t seed;
};

const std::vector<Case> kCases = {
    {"dpmpp_sde_s3", SamplerKind::DpmppSde, Scheduler::Karras, 5, 3},
    {"dpmpp_sde_s42", SamplerKind::DpmppSde, Scheduler::Normal, 6, 42},
    {"dpmpp_sde_big", SamplerKind::DpmppSde, Scheduler::Exponential, 4, (1ull << 63) + 12345},
    {"dpmpp_2m_sde_s3", SamplerKind::Dpmpp2mSde, Scheduler::Karras, 6, 3},
    {"dpmpp_2m_sde_s7", SamplerKind::Dpmpp2mSde, Scheduler::Normal, 5, 7},
    {"dpmpp_2m_sde_s1000", SamplerKind::Dpmpp2mSde, Scheduler::Karras, 8, 1000},
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class BrownianTrajectory : public ::testing::TestWithParam<Case> {};

TEST_P(BrownianTrajectory, EveryStepMatchesComfyUI) {
  const Case& c = GetParam();
  const DiscreteSchedule schedule;
  const auto sigmas = sampling_sigmas(schedule, c.scheduler, c.steps, 1.0, false);
  ASSERT_TRUE(testing::all_close(sigmas, golden().at(c.name + ".sigmas").values, 0, 3e-7));
  TorchCpuRng rng(c.seed);
  const Tensor x0 = noise_scaling(randn_nhwc(rng, backend(), kShape), sigmas[0], true, nullptr);

  float sigma_min = sigmas.front();
  for (float s : sigmas) sigma_min = s > 0 ? std::min(sigma_min, s) : sigma_min;
  BrownianTreeNoise tree(kShape, sigma_min, sigmas.front(), c.seed);
  Recording recording(tree);
  SamplerContext ctx;
  ctx.sde_noise = &recording;
  std::vector<std::vector<float>> xs, dens;
  ctx.on_step = [&](const StepInfo& info) {
    xs.push_back(info.x->to_host());
    dens.push_back(info.denoised->to_host());
    return true;
  };
  xs.push_back(sample(c.kind, toy_denoiser(), x0, sigmas, ctx).to_host());

  EXPECT_EQ(recording.calls, golden().at(c.name + ".queries").values);
  const auto& gx = golden().at(c.name + ".x").values;
  const auto& gd = golden().at(c.name + ".denoised").values;
  ASSERT_EQ(xs.size() * kNumel, gx.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    EXPECT_TRUE(close_to_scale(xs[i], slice(gx, i, kNumel))) << c.name << " x at step " << i;
  }
  for (std::size_t i = 0; i < dens.size(); ++i) {
    EXPECT_TRUE(close_to_scale(dens[i], slice(gd, i, kNumel))) << c.name << " denoised " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(SdeSamplers, BrownianTrajectory, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return param_info.param.name; });

// ksample builds the tree itself (ComfyUI's default); --sde-noise gaussian gives another image.
TEST(KSampler, SdeSamplersUseTheBrownianTreeByDefault) {
  const DiscreteSchedule schedule;
  KSamplerSettings s;
  s.sampler = SamplerKind::Dpmpp2mSde;
  s.scheduler = Scheduler::Karras;
  s.steps = 6;
  s.seed = 3;
  const auto& gx = golden().at("dpmpp_2m_sde_s3.x").values;
  const std::vector<float> final_x(gx.end() - static_cast<std::ptrdiff_t>(kNumel), gx.end());
  const auto brownian = ksample(schedule, toy_denoiser(), s, backend(), kShape).to_host();
  EXPECT_TRUE(close_to_scale(brownian, final_x));
  s.sde_noise = SdeNoiseKind::Gaussian;
  const auto gaussian = ksample(schedule, toy_denoiser(), s, backend(), kShape).to_host();
  EXPECT_FALSE(close_to_scale(gaussian, final_x));
}

// A1111 passes one seed per image: image i's noise is its own tree seeded seed + i.
TEST(BrownianTreeNoise, PerImageTreesAreSeedPlusIndex) {
  const Shape shape{2, 2, 2, 4};
  BrownianTreeNoise per_image(shape, 0.1f, 10.0f, 40, RngKind::TorchCpu, NoiseBatching::PerImage);
  const auto got = per_image.draw(backend(), 5.0f, 2.0f).to_host();
  BrownianTree first(0.1f, 10.0f, 16, 40), second(0.1f, 10.0f, 16, 41);
  auto a = first.increment(2.0f, 5.0f), b = second.increment(2.0f, 5.0f);
  a.insert(a.end(), b.begin(), b.end());
  const float denom = std::sqrt(3.0f);
  for (float& v : a) v = -v / denom;  // the query runs from 5 down to 2
  EXPECT_EQ(got, nchw_to_nhwc(a, 2, 4, 2, 2));
  BrownianTreeNoise whole(shape, 0.1f, 10.0f, 40);
  EXPECT_NE(whole.draw(backend(), 5.0f, 2.0f).to_host(), got);
}

}  // namespace
}  // namespace pixforge::sampling
