// Variation seeds (sampling/variation_noise.h) and the hires fix's latent upscale modes
// (pipeline/latent_upscale.h) against tools/reference/pipeline_hires.py.
//
// Tolerances: the noise draws themselves are bit-exact (CPU) or within the Philox port's 1 ulp
// (rng tests); slerp runs float32 norms, acos and sin whose summation order and libm differ
// from torch's by a few ulp, amplified by 1 / sin(omega) (omega is about 1 for independent
// noise): atol 1e-5 on values of order 1. Seed-resize placement copies values, so outside the
// slerp it is exact. Interpolation: float32 weights and separable sums in a different order
// than torch's kernels: atol 2e-6 on O(1) values.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/pipeline/latent_upscale.h"
#include "pixforge/sampling/ksampler.h"
#include "pixforge/sampling/noise.h"
#include "pixforge/sampling/variation_noise.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge {
namespace {

using sampling::NoiseBatching;
using sampling::RngKind;
using sampling::VariationSeed;

constexpr int kGoldenVersion = 1;

Backend& backend() {
  static auto b = make_reference_backend();
  return *b;
}

const testing::Golden& golden() {
  static const testing::Golden g =
      testing::load_golden(testing::golden_path("pipeline/hires.safetensors"), kGoldenVersion);
  return g;
}

// Golden [.., C, H, W] values -> NHWC with n images.
std::vector<float> golden_nhwc(const std::string& name) {
  const auto& t = golden().at(name);
  const auto r = t.shape.size();
  const std::int64_t n = r == 4 ? t.shape[0] : 1;
  return sampling::nchw_to_nhwc(t.values, n, t.shape[r - 3], t.shape[r - 2], t.shape[r - 1]);
}

struct VarCase {
  std::string name;
  RngKind rng;
  std::uint64_t seed, subseed;
  double strength;
  int c, h, w, from_w, from_h;
};

std::vector<float> variation(const VarCase& k) {
  const Shape shape{1, k.h, k.w, k.c};
  sampling::NoiseSampler main(k.rng, k.seed, shape, NoiseBatching::WholeBatch);
  VariationSeed v;
  v.subseed = k.subseed;
  v.strength = k.strength;
  v.resize_from_width = k.from_w;
  v.resize_from_height = k.from_h;
  return sampling::apply_variation(main.next(backend()), k.rng, NoiseBatching::WholeBatch, {k.seed},
                                   {k.subseed}, v, backend())
      .to_host();
}

TEST(VariationSeed, MatchesA1111ImageRng) {
  const std::vector<VarCase> cases = {
      {"cpu_slerp", RngKind::TorchCpu, 42, 7, 0.3, 4, 8, 8, 0, 0},
      {"cuda_slerp", RngKind::TorchCudaPhilox, 42, 7, 0.7, 4, 8, 10, 0, 0},
      {"cpu_resize_slerp", RngKind::TorchCpu, 5, 6, 0.5, 4, 8, 8, 80, 48},
      {"cuda_resize_only", RngKind::TorchCudaPhilox, 1234, 99, 0.0, 4, 6, 9, 128, 32},
      {"cpu_full_strength", RngKind::TorchCpu, 3, 4, 1.0, 4, 8, 8, 0, 0}};
  for (const auto& k : cases) {
    EXPECT_TRUE(testing::all_close(variation(k), golden_nhwc("var." + k.name), 1e-5, 0)) << k.name;
  }
}

TEST(VariationSeed, StrengthZeroWithoutResizeIsTheSeedsNoise) {
  const VarCase k{"", RngKind::TorchCpu, 42, 7, 0.0, 4, 8, 8, 0, 0};
  sampling::NoiseSampler plain(k.rng, k.seed, Shape{1, 8, 8, 4}, NoiseBatching::WholeBatch);
  EXPECT_EQ(variation(k), plain.next(backend()).to_host());
  // A resize from the run's own size is no resize (A1111 compares the shapes).
  VarCase same = k;
  same.from_w = 64;
  same.from_h = 64;
  EXPECT_EQ(variation(same), variation(k));
}

TEST(VariationSeed, NearParallelFallsBackToA1111Lerp) {
  const auto low = golden_nhwc("slerp_near.low"), high = golden_nhwc("slerp_near.high");
  const auto out = sampling::a1111_slerp(0.25, low, high, 8, 8, 4);
  EXPECT_TRUE(testing::all_close(out, golden_nhwc("slerp_near.out"), 1e-6, 0));
  // The fallback weights are swapped: val weighs `low` (A1111's formula, kept).
  EXPECT_NEAR(out[0], 0.25f * low[0] + 0.75f * high[0], 1e-6);
  EXPECT_THROW(sampling::a1111_slerp(0.5, low, high, 8, 8, 3), std::invalid_argument);
}

// Under the A1111 convention ksample gives every image of a batch the seed and subseed + i.
// With a denoiser that returns its input, one Euler step keeps x0 = noise * sigma0 (A1111's
// scaling), so the initial draw can be read back from the result.
TEST(VariationSeed, KSampleA1111BatchKeepsTheSeedAndStepsTheSubseed) {
  sampling::KSamplerSettings s;
  s.convention = sampling::NoiseConvention::A1111;
  s.seed = 9;
  s.steps = 1;
  s.variation.subseed = 100;
  s.variation.strength = 0.4;
  const sampling::DiscreteSchedule schedule;
  const sampling::Denoiser identity = [](const Tensor& x, float) { return x; };
  const float sigma0 = sampling::sampling_sigmas(schedule, s.scheduler, 1).front();
  auto got = sampling::ksample(schedule, identity, s, backend(), Shape{2, 8, 8, 4}).to_host();
  for (float& v : got) v /= sigma0;
  EXPECT_TRUE(testing::all_close(got, golden_nhwc("var.a1111_batch"), 1e-5, 1e-5));
}

TEST(VariationSeed, ComfyWholeBatchSlerpsImageByImage) {
  sampling::NoiseSampler main(RngKind::TorchCpu, 11, Shape{2, 8, 8, 4}, NoiseBatching::WholeBatch);
  VariationSeed v;
  v.subseed = 12;
  v.strength = 0.6;
  const auto got = sampling::apply_variation(main.next(backend()), RngKind::TorchCpu,
                                             NoiseBatching::WholeBatch, {11}, {12}, v, backend())
                       .to_host();
  EXPECT_TRUE(testing::all_close(got, golden_nhwc("var.comfy_batch"), 1e-5, 0));
}

TEST(VariationSeed, ResizeBelowOneLatentPixelIsAnError) {
  sampling::NoiseSampler main(RngKind::TorchCpu, 1, Shape{1, 8, 8, 4}, NoiseBatching::WholeBatch);
  VariationSeed v;
  v.resize_from_width = 4;
  v.resize_from_height = 64;
  EXPECT_THROW(sampling::apply_variation(main.next(backend()), RngKind::TorchCpu,
                                         NoiseBatching::WholeBatch, {1}, {2}, v, backend()),
               std::invalid_argument);
}

TEST(LatentUpscale, MatchesTorchInterpolate) {
  const auto input = golden_nhwc("up.input");
  const Tensor x = Tensor::from_host(backend(), Shape{1, 5, 7, 4}, input);
  const std::vector<std::pair<std::string, std::string>> modes = {
      {"latent", "Latent"},
      {"latent_aa", "Latent (antialiased)"},
      {"bicubic", "Latent (bicubic)"},
      {"bicubic_aa", "Latent (bicubic antialiased)"},
      {"nearest", "Latent (nearest)"},
      {"nearest_exact", "Latent (nearest-exact)"}};
  for (const auto& [key, name] : modes) {
    const auto mode = pipeline::find_latent_upscale_mode(name);
    ASSERT_TRUE(mode.has_value()) << name;
    for (const auto& [h, w] : {std::pair{10, 14}, std::pair{8, 11}, std::pair{3, 4}}) {
      const std::string g = "up." + key + "." + std::to_string(h) + "x" + std::to_string(w);
      const Tensor y = pipeline::interpolate_nhwc(x, h, w, *mode, backend());
      ASSERT_EQ(y.shape(), (Shape{1, h, w, 4})) << g;
      EXPECT_TRUE(testing::all_close(y.to_host(), golden_nhwc(g), 2e-6, 0)) << g;
    }
  }
}

TEST(LatentUpscale, NamesAndErrors) {
  EXPECT_EQ(pipeline::latent_upscale_mode_names().size(), 6u);
  EXPECT_EQ(pipeline::latent_upscale_mode_names().front(), "Latent");
  EXPECT_FALSE(pipeline::find_latent_upscale_mode("Lanczos").has_value());
  const Tensor x = Tensor::from_host(backend(), Shape{1, 2, 2, 1}, std::vector<float>(4, 1.0f));
  EXPECT_THROW(pipeline::interpolate_nhwc(x, 0, 4, {}, backend()), std::invalid_argument);
}

}  // namespace
}  // namespace pixforge
