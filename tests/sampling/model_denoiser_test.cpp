// ModelDenoiser (ε / v parametrisation, timestep, classifier-free guidance) against ComfyUI's
// model wrapper restated in tools/reference/sampling_reference.py, around a tiny linear
// "network" (per-pixel 4x4 channel mix scaled by 1 + t/1000, plus a bias that differs between
// the unconditional and conditional rows).
//
// Tolerance: |a - e| <= 1e-5 * max|e| + 1e-5 |e|. Float32 on both sides; the differences are the
// order of roundings in c_in, c_out and the CFG combination (a few ulps), and at cfg 7.5 the
// (cond - uncond) difference is amplified 7.5x, which the bound covers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/sampling/denoiser.h"
#include "pixforge/sampling/noise.h"
#include "pixforge/sampling/sampler.h"
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

const Shape kShape{2, 5, 3, 4};
constexpr float kW[4][4] = {{0.9f, -0.2f, 0.1f, 0.05f},
                            {0.3f, 0.7f, -0.1f, 0.2f},
                            {-0.25f, 0.15f, 1.1f, -0.3f},
                            {0.05f, 0.4f, 0.2f, 0.6f}};
constexpr float kBiasUncond[4] = {0.1f, -0.05f, 0.02f, 0.0f};
constexpr float kBiasCond[4] = {-0.3f, 0.25f, 0.12f, -0.4f};

struct Calls {
  int count = 0;
  std::vector<std::int64_t> batches;
  std::vector<float> timesteps;
  std::vector<Conditioning> which;
};

// The tiny network on the host (it stands in for a UNet; samplers never see it).
ModelFn tiny_model(Calls& calls) {
  return [&calls](const Tensor& x_in, float t, Conditioning which) {
    ++calls.count;
    calls.batches.push_back(x_in.dim(0));
    calls.timesteps.push_back(t);
    calls.which.push_back(which);
    const auto x = x_in.to_host();
    const std::int64_t batch = x_in.dim(0);
    const std::int64_t pixels = x_in.numel() / (4 * batch);
    const std::int64_t n = which == Conditioning::UncondAndCond ? batch / 2 : batch;
    std::vector<float> out(x.size());
    for (std::int64_t b = 0; b < batch; ++b) {
      const float* bias = which == Conditioning::UncondAndCond && b < n ? kBiasUncond : kBiasCond;
      for (std::int64_t p = 0; p < pixels; ++p) {
        const std::size_t o = static_cast<std::size_t>((b * pixels + p) * 4);
        for (int c = 0; c < 4; ++c) {
          float acc = 0;
          for (int k = 0; k < 4; ++k) acc += kW[c][k] * x[o + static_cast<std::size_t>(k)];
          out[o + static_cast<std::size_t>(c)] = acc * (1.0f + t / 1000.0f) + bias[c];
        }
      }
    }
    return Tensor::from_host(x_in.backend(), x_in.shape(), out);
  };
}

::testing::AssertionResult close_to_scale(const std::vector<float>& got,
                                          const std::vector<float>& expected) {
  double scale = 0;
  for (float v : expected) scale = std::max(scale, static_cast<double>(std::fabs(v)));
  return testing::all_close(got, expected, 1e-5 * scale, 1e-5);
}

struct ModelCase {
  const char* name;
  Prediction prediction;
  float cfg;
  TimestepMode mode;
};

TEST(ModelDenoiser, EpsAndVWithAndWithoutGuidanceMatchComfyUI) {
  const DiscreteSchedule schedule;
  const Tensor x = Tensor::from_host(backend(), kShape, golden().at("model.x").values);
  const auto& sigmas = golden().at("model.sigmas").values;
  const ModelCase cases[] = {
      {"eps_cfg1", Prediction::Epsilon, 1.0f, TimestepMode::Nearest},
      {"eps_cfg7.5", Prediction::Epsilon, 7.5f, TimestepMode::Nearest},
      {"v_cfg1", Prediction::V, 1.0f, TimestepMode::Nearest},
      {"v_cfg5", Prediction::V, 5.0f, TimestepMode::Nearest},
      {"eps_cfg7.5_interp", Prediction::Epsilon, 7.5f, TimestepMode::Interpolated},
  };
  for (const auto& c : cases) {
    Calls calls;
    const Denoiser d =
        make_model_denoiser(schedule, tiny_model(calls), {c.prediction, c.cfg, c.mode});
    const auto& expected = golden().at(std::string("model.") + c.name).values;
    for (std::size_t i = 0; i < sigmas.size(); ++i) {
      const auto got = d(x, sigmas[i]).to_host();
      const std::vector<float> want(expected.begin() + static_cast<std::ptrdiff_t>(i * 120),
                                    expected.begin() + static_cast<std::ptrdiff_t>((i + 1) * 120));
      EXPECT_TRUE(close_to_scale(got, want)) << c.name << " at sigma " << sigmas[i];
    }
    // One network call per denoise: batch N without guidance, batch 2N ([uncond; cond]) with it.
    ASSERT_EQ(calls.count, static_cast<int>(sigmas.size())) << c.name;
    for (int k = 0; k < calls.count; ++k) {
      EXPECT_EQ(calls.batches[k], c.cfg == 1.0f ? 2 : 4) << c.name;
      EXPECT_EQ(calls.which[k], c.cfg == 1.0f ? Conditioning::Cond : Conditioning::UncondAndCond);
      if (c.mode == TimestepMode::Nearest) {
        EXPECT_EQ(calls.timesteps[k], std::round(calls.timesteps[k])) << "ComfyUI's t is an index";
      }
    }
    if (c.mode == TimestepMode::Nearest) {
      EXPECT_EQ(calls.timesteps.front(), 999.0f);  // sigma_max
      EXPECT_EQ(calls.timesteps.back(), 0.0f);     // sigma_min
    }
  }
}

TEST(ModelDenoiser, EndToEndVPredictionWithGuidance) {
  const DiscreteSchedule schedule;
  Calls calls;
  const Denoiser d = make_model_denoiser(schedule, tiny_model(calls), {Prediction::V, 5.0f});
  const auto sigmas = calculate_sigmas(schedule, Scheduler::Karras, 5);
  TorchCpuRng rng(99);
  const Tensor x0 = noise_scaling(randn_nhwc(rng, backend(), kShape), sigmas[0], true, nullptr);
  const auto got = sample(SamplerKind::Dpmpp2m, d, x0, sigmas).to_host();
  EXPECT_TRUE(close_to_scale(got, golden().at("e2e.final").values));
  EXPECT_EQ(calls.count, 5);
}

TEST(ModelDenoiser, RejectsBadModelOutputAndArguments) {
  const DiscreteSchedule schedule;
  const Tensor x = Tensor::from_host(backend(), kShape, std::vector<float>(120, 0.5f));
  const ModelFn wrong = [](const Tensor& x_in, float, Conditioning) {
    return Tensor::from_host(x_in.backend(), Shape{1, 1, 1, 4}, std::vector<float>(4, 0.0f));
  };
  EXPECT_THROW(make_model_denoiser(schedule, wrong, {})(x, 1.0f), std::runtime_error);
  Calls calls;
  EXPECT_THROW(make_model_denoiser(schedule, tiny_model(calls), {})(x, 0.0f),
               std::invalid_argument);
  EXPECT_THROW(make_model_denoiser(schedule, nullptr, {}), std::invalid_argument);
  EXPECT_EQ(parse_prediction("v"), Prediction::V);
  EXPECT_EQ(parse_prediction("eps"), Prediction::Epsilon);
  EXPECT_THROW(parse_prediction("x0"), std::invalid_argument);
}

// ---- run control: progress, cancellation, argument checks ----

Denoiser halving_denoiser(int& calls) {
  return [&calls](const Tensor& x, float) {
    ++calls;
    return ops::scale_bias(x, 0.5f);
  };
}

TEST(SamplerRun, ProgressCallbackCanCancelBetweenSteps) {
  int calls = 0;
  const Tensor x = Tensor::from_host(backend(), kShape, std::vector<float>(120, 1.0f));
  const std::vector<float> sigmas = {10.0f, 5.0f, 2.0f, 1.0f, 0.0f};
  SamplerContext ctx;
  std::vector<int> seen;
  ctx.on_step = [&](const StepInfo& info) {
    seen.push_back(info.step);
    EXPECT_EQ(info.total, 4);
    EXPECT_EQ(info.sigma, sigmas[static_cast<std::size_t>(info.step)]);
    return info.step < 2;
  };
  EXPECT_THROW(sample(SamplerKind::Euler, halving_denoiser(calls), x, sigmas, ctx), Cancelled);
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(calls, 3);
}

TEST(SamplerRun, CancelFlagStopsBeforeTheNextStep) {
  int calls = 0;
  const Tensor x = Tensor::from_host(backend(), kShape, std::vector<float>(120, 1.0f));
  const std::vector<float> sigmas = {10.0f, 5.0f, 0.0f};
  std::atomic<bool> cancel{false};
  SamplerContext ctx;
  ctx.cancel = &cancel;
  ctx.on_step = [&](const StepInfo&) {
    cancel = true;  // e.g. a user pressing stop while step 0 runs
    return true;
  };
  EXPECT_THROW(sample(SamplerKind::Heun, halving_denoiser(calls), x, sigmas, ctx), Cancelled);
  EXPECT_EQ(calls, 2);  // step 0's two evaluations, none of step 1
}

TEST(SamplerRun, RejectsBadSchedulesAndMissingNoise) {
  int calls = 0;
  const Tensor x = Tensor::from_host(backend(), kShape, std::vector<float>(120, 1.0f));
  const Denoiser d = halving_denoiser(calls);
  EXPECT_THROW(sample(SamplerKind::Euler, d, x, std::vector<float>{}), std::invalid_argument);
  EXPECT_THROW(sample(SamplerKind::Euler, d, x, std::vector<float>{1.0f, 2.0f}),
               std::invalid_argument);
  EXPECT_THROW(sample(SamplerKind::Euler, d, x, std::vector<float>{1.0f, -1.0f}),
               std::invalid_argument);
  EXPECT_THROW(sample(SamplerKind::EulerAncestral, d, x, std::vector<float>{2.0f, 1.0f, 0.0f}),
               std::invalid_argument);
  // A single sigma is a zero-step run.
  EXPECT_EQ(sample(SamplerKind::Euler, d, x, std::vector<float>{3.0f}).to_host(), x.to_host());
  EXPECT_EQ(calls, 0);
}

TEST(SamplerRun, NamesRoundTrip) {
  EXPECT_EQ(all_samplers().size(), 11u);
  for (auto kind : all_samplers()) EXPECT_EQ(parse_sampler(sampler_name(kind)), kind);
  for (auto s : all_schedulers()) EXPECT_EQ(parse_scheduler(scheduler_name(s)), s);
  EXPECT_EQ(all_schedulers().size(), 9u);
  EXPECT_THROW(parse_sampler("uni_pc"), std::invalid_argument);
  EXPECT_TRUE(sampler_discards_penultimate_sigma(SamplerKind::Dpm2));
  EXPECT_FALSE(sampler_uses_noise(SamplerKind::Dpmpp2m));
  EXPECT_TRUE(sampler_uses_noise(SamplerKind::Lcm));
}

// ---- noise helpers ----

TEST(Noise, RandnNhwcIsTorchsNchwDrawTransposed) {
  TorchCpuRng a(5), b(5);
  const auto nchw = a.randn(2 * 4 * 3 * 2);  // [2, 4, 3, 2]
  const auto got = randn_nhwc(b, backend(), Shape{2, 3, 2, 4}).to_host();
  // NHWC element (n, h, w, c) is NCHW element (n, c, h, w).
  for (int n = 0; n < 2; ++n)
    for (int h = 0; h < 3; ++h)
      for (int w = 0; w < 2; ++w)
        for (int c = 0; c < 4; ++c)
          EXPECT_EQ(got[static_cast<std::size_t>(((n * 3 + h) * 2 + w) * 4 + c)],
                    nchw[static_cast<std::size_t>(((n * 4 + c) * 3 + h) * 2 + w)]);
  EXPECT_THROW(nchw_to_nhwc(nchw, 2, 4, 3, 3), std::invalid_argument);
}

TEST(Noise, ScalingAndSeedOffset) {
  const Tensor noise =
      Tensor::from_host(backend(), Shape{1, 1, 1, 4}, std::vector<float>{1, -2, 0.5f, 0});
  const Tensor latent =
      Tensor::from_host(backend(), Shape{1, 1, 1, 4}, std::vector<float>{1, 1, 1, 1});
  const float s = 14.614641f;
  EXPECT_EQ(noise_scaling(noise, s, true, nullptr).to_host()[1], -2.0f * std::sqrt(1.0f + s * s));
  EXPECT_EQ(noise_scaling(noise, 2.0f, false, &latent).to_host(),
            (std::vector<float>{3.0f, -3.0f, 2.0f, 1.0f}));
  const DiscreteSchedule schedule;
  EXPECT_TRUE(is_max_denoise(schedule, schedule.sigma_max()));
  EXPECT_FALSE(is_max_denoise(schedule, 10.0f));
  // seed_offset 1 (newer ComfyUI on the CPU) draws the stream of seed + 1.
  NoiseSampler with_offset(AncestralNoise{RngKind::TorchCpu, 1}, 41, Shape{1, 2, 2, 4});
  NoiseSampler plain(AncestralNoise{}, 42, Shape{1, 2, 2, 4});
  EXPECT_EQ(with_offset.next(backend()).to_host(), plain.next(backend()).to_host());
}

}  // namespace
}  // namespace pixforge::sampling
