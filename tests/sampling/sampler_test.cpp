// Samplers and the model denoiser against tools/reference/sampling_reference.py (k-diffusion /
// ComfyUI restated in torch float32).
//
// Trajectories: every step's x and denoised are compared with |a - e| <= 2e-5 * max|e| + 1e-5 |e|
// (max over that step). Both sides compute in float32, but our scalar coefficients (sigma
// ratios, expm1, ancestral sigmas) are formed in double and each linear combination rounds in a
// different order than torch's chain of tensor ops: a few float32 ulps per operation, amplified
// at most ~10x over 7 steps by the multistep coefficients; 2e-5 of the step's scale bounds that
// with margin, while any wrong coefficient, sign or noise draw shows up at the 1e-2 level.
// Initial noise and ancestral noise are bit-exact torch streams (rng_test.cpp), so they add no
// error of their own.
#include "pixforge/sampling/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/sampling/ksampler.h"
#include "pixforge/sampling/noise.h"
#include "pixforge/sampling/schedulers.h"
#include "pixforge/sampling/torch_cpu_rng.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::sampling {
namespace {

using testing::Golden;

const Golden& golden() {
  static const Golden g =
      testing::load_golden(testing::golden_path("sampling/samplers.safetensors"), 3);
  return g;
}

Backend& backend() {
  static auto b = make_reference_backend();
  return *b;
}

const Shape kShape{2, 5, 3, 4};  // NHWC of the reference's NCHW [2, 4, 5, 3]
const std::size_t kNumel = 120;

std::vector<float> step_slice(const std::vector<float>& all, std::size_t step) {
  return {all.begin() + static_cast<std::ptrdiff_t>(step * kNumel),
          all.begin() + static_cast<std::ptrdiff_t>((step + 1) * kNumel)};
}

::testing::AssertionResult close_to_scale(const std::vector<float>& got,
                                          const std::vector<float>& expected) {
  double scale = 0;
  for (float v : expected) scale = std::max(scale, static_cast<double>(std::fabs(v)));
  return testing::all_close(got, expected, 2e-5 * scale, 1e-5);
}

Denoiser toy_denoiser() {
  Tensor b = Tensor::from_host(backend(), kShape, golden().at("toy.b").values);
  return [b](const Tensor& x, float sigma) {
    const float scale = 0.8f / (sigma * sigma + 1.0f);
    return ops::add(ops::scale_bias(x, scale), b);
  };
}

struct Case {
  std::string name;
  SamplerKind kind;
  Scheduler scheduler;
  int steps;
  double denoise;
  std::uint64_t seed;
  std::int64_t offset;
};

const std::vector<Case> kCases = {
    {"euler", SamplerKind::Euler, Scheduler::Karras, 6, 1.0, 42, 0},
    {"euler_ancestral", SamplerKind::EulerAncestral, Scheduler::Karras, 6, 1.0, 42, 0},
    {"euler_ancestral_offset1", SamplerKind::EulerAncestral, Scheduler::Normal, 5, 1.0, 7, 1},
    {"heun", SamplerKind::Heun, Scheduler::Karras, 5, 1.0, 42, 0},
    {"dpm_2", SamplerKind::Dpm2, Scheduler::Karras, 5, 1.0, 42, 0},
    {"dpm_2_ancestral", SamplerKind::Dpm2Ancestral, Scheduler::Karras, 5, 1.0, 8, 0},
    {"dpmpp_2s_ancestral", SamplerKind::Dpmpp2sAncestral, Scheduler::Normal, 5, 1.0, 8, 0},
    {"dpmpp_2m", SamplerKind::Dpmpp2m, Scheduler::Karras, 6, 1.0, 42, 0},
    {"dpmpp_2m_sde", SamplerKind::Dpmpp2mSde, Scheduler::Karras, 6, 1.0, 3, 0},
    {"dpmpp_sde", SamplerKind::DpmppSde, Scheduler::Karras, 5, 1.0, 3, 0},
    {"lcm", SamplerKind::Lcm, Scheduler::SgmUniform, 4, 1.0, 11, 0},
    {"ddim", SamplerKind::Ddim, Scheduler::DdimUniform, 6, 1.0, 42, 0},
    {"euler_img2img", SamplerKind::Euler, Scheduler::Normal, 5, 0.6, 123, 0},
    {"dpmpp_2m_img2img", SamplerKind::Dpmpp2m, Scheduler::Exponential, 6, 0.45, 5, 0},
};

// Names the case in gtest output instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class SamplerTrajectory : public ::testing::TestWithParam<Case> {};

TEST_P(SamplerTrajectory, EveryStepMatchesReference) {
  const Case& c = GetParam();
  const DiscreteSchedule schedule;
  const auto sigmas = sampling_sigmas(schedule, c.scheduler, c.steps, c.denoise,
                                      sampler_discards_penultimate_sigma(c.kind));
  // Schedules are bit-exact except karras (1 ulp, schedule_test.cpp).
  ASSERT_TRUE(testing::all_close(sigmas, golden().at(c.name + ".sigmas").values, 0, 3e-7));

  TorchCpuRng rng(c.seed);
  const Tensor noise = randn_nhwc(rng, backend(), kShape);
  Tensor latent;
  if (c.denoise < 1.0)
    latent = Tensor::from_host(backend(), kShape, golden().at(c.name + ".latent").values);
  const Tensor x0 = noise_scaling(noise, sigmas[0], is_max_denoise(schedule, sigmas[0]),
                                  latent.defined() ? &latent : nullptr);
  // ddim_uniform starts below sigma_max (timestep 997), so ComfyUI scales its noise by sigma0.
  EXPECT_EQ(is_max_denoise(schedule, sigmas[0]),
            c.denoise == 1.0 && c.scheduler != Scheduler::DdimUniform);

  NoiseSampler noise_sampler(AncestralNoise{RngKind::TorchCpu, c.offset}, c.seed, kShape);
  std::vector<std::vector<float>> xs, dens;
  SamplerContext ctx;
  ctx.noise = &noise_sampler;
  ctx.on_step = [&](const StepInfo& info) {
    EXPECT_EQ(info.step, static_cast<int>(xs.size()));
    EXPECT_EQ(info.total, static_cast<int>(sigmas.size()) - 1);
    xs.push_back(info.x->to_host());
    dens.push_back(info.denoised->to_host());
    return true;
  };
  const Tensor result = sample(c.kind, toy_denoiser(), x0, sigmas, ctx);
  xs.push_back(result.to_host());

  const auto& gx = golden().at(c.name + ".x").values;
  const auto& gd = golden().at(c.name + ".denoised").values;
  ASSERT_EQ(xs.size() * kNumel, gx.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    EXPECT_TRUE(close_to_scale(xs[i], step_slice(gx, i))) << c.name << " x at step " << i;
  }
  for (std::size_t i = 0; i < dens.size(); ++i) {
    EXPECT_TRUE(close_to_scale(dens[i], step_slice(gd, i))) << c.name << " denoised at step " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(AllSamplers, SamplerTrajectory, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return param_info.param.name; });

// A1111 conventions: per-image generators (seed + i), noise * sigma0, ancestral noise continuing
// the per-image streams or restarted with an eta noise seed delta; CPU and CUDA Philox.
TEST(KSampler, A1111NoiseConventions) {
  const DiscreteSchedule schedule;
  KSamplerSettings s;
  s.sampler = SamplerKind::EulerAncestral;
  s.scheduler = Scheduler::Karras;
  s.steps = 5;
  s.seed = 21;
  s.convention = NoiseConvention::A1111;
  const std::vector<std::tuple<std::string, RngKind, std::int64_t>> cases = {
      {"a1111_cpu", RngKind::TorchCpu, 0},
      {"a1111_cpu_ensd", RngKind::TorchCpu, 31337},
      {"a1111_nv", RngKind::TorchCudaPhilox, 0}};
  for (const auto& [name, rng, ensd] : cases) {
    s.rng = rng;
    s.ancestral.seed_offset = ensd;
    EXPECT_TRUE(close_to_scale(ksample(schedule, toy_denoiser(), s, backend(), kShape).to_host(),
                               golden().at(name + ".final").values))
        << name;
  }
}

TEST(NoiseSampler, PerImageStreamsAreSeedPlusIndex) {
  NoiseSampler per_image(RngKind::TorchCpu, 100, Shape{2, 2, 2, 4}, NoiseBatching::PerImage);
  TorchCpuRng first(100), second(101);
  for (int draw = 0; draw < 2; ++draw) {
    const auto got = per_image.next(backend()).to_host();
    auto a = nchw_to_nhwc(first.randn(16), 1, 4, 2, 2);
    const auto b = nchw_to_nhwc(second.randn(16), 1, 4, 2, 2);
    a.insert(a.end(), b.begin(), b.end());
    EXPECT_EQ(got, a) << "draw " << draw;
  }
  // A batch of one is the same under both conventions.
  NoiseSampler one(RngKind::TorchCpu, 7, Shape{1, 2, 2, 4}, NoiseBatching::PerImage);
  NoiseSampler whole(RngKind::TorchCpu, 7, Shape{1, 2, 2, 4}, NoiseBatching::WholeBatch);
  EXPECT_EQ(one.next(backend()).to_host(), whole.next(backend()).to_host());
}

// ksample assembles schedule, seed noise, scaling and ancestral stream as the trajectory
// cases above do by hand; its final latent must match the same goldens.
TEST(KSampler, ReproducesReferenceRunsFromSettingsAlone) {
  const DiscreteSchedule schedule;
  KSamplerSettings s;
  s.sampler = SamplerKind::EulerAncestral;
  s.scheduler = Scheduler::Karras;
  s.steps = 6;
  s.seed = 42;
  int steps_seen = 0;
  KSamplerHooks hooks;
  hooks.on_step = [&](const StepInfo&) { return ++steps_seen > 0; };
  auto final_of = [](const std::string& name) {
    const auto& all = golden().at(name + ".x").values;
    return std::vector<float>(all.end() - static_cast<std::ptrdiff_t>(kNumel), all.end());
  };
  EXPECT_TRUE(close_to_scale(
      ksample(schedule, toy_denoiser(), s, backend(), kShape, nullptr, hooks).to_host(),
      final_of("euler_ancestral")));
  EXPECT_EQ(steps_seen, 6);

  s.sampler = SamplerKind::Euler;
  s.scheduler = Scheduler::Normal;
  s.steps = 5;
  s.denoise = 0.6;
  s.seed = 123;
  const Tensor latent =
      Tensor::from_host(backend(), kShape, golden().at("euler_img2img.latent").values);
  EXPECT_TRUE(
      close_to_scale(ksample(schedule, toy_denoiser(), s, backend(), kShape, &latent).to_host(),
                     final_of("euler_img2img")));

  s.sampler = SamplerKind::Dpm2;  // the schedule drops its penultimate sigma
  s.scheduler = Scheduler::Karras;
  s.denoise = 1.0;
  s.seed = 42;
  EXPECT_TRUE(close_to_scale(ksample(schedule, toy_denoiser(), s, backend(), kShape).to_host(),
                             final_of("dpm_2")));

  EXPECT_THROW(ksample(schedule, toy_denoiser(), s, backend(), Shape{2, 5, 3}),
               std::invalid_argument);
  EXPECT_THROW(ksample(schedule, toy_denoiser(), s, backend(), Shape{1, 5, 3, 4}, &latent),
               std::invalid_argument);
}

}  // namespace
}  // namespace pixforge::sampling
