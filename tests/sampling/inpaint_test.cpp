// Latent noise masks (sampling/inpaint.h): ComfyUI's prepare_mask resize and the
// KSamplerX0Inpaint wrapper, on a toy denoiser. The end-to-end check against a PyTorch
// restatement of ComfyUI is tests/pipeline/inpaint_test.cpp.
#include "pixforge/sampling/inpaint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/sampling/ksampler.h"

namespace pixforge::sampling {
namespace {

Backend& backend() {
  static auto b = make_reference_backend();
  return *b;
}

const Shape kShape{2, 3, 4, 4};  // NHWC

std::vector<float> ramp(std::size_t n, float scale, float offset) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = offset + scale * static_cast<float>(i % 17);
  return v;
}

Tensor tensor(const std::vector<float>& v) { return Tensor::from_host(backend(), kShape, v); }

// A denoiser that pulls x toward a fixed picture; deterministic and sigma-dependent.
Denoiser toy_denoiser() {
  const Tensor b = tensor(ramp(96, 0.05f, -0.4f));
  return [b](const Tensor& x, float sigma) {
    return ops::add(ops::scale_bias(x, 0.8f / (sigma * sigma + 1.0f)), b);
  };
}

TEST(DenoiseMask, DownsamplesAsTorchBilinearWithoutAlignedCorners) {
  // 4x4 -> 2x2: output (i, j) samples source (2i + 0.5, 2j + 0.5): the mean of a 2x2 block.
  const std::vector<float> m = {0, 1, 0, 0,  //
                                1, 0, 0, 0,  //
                                0, 0, 1, 1,  //
                                0, 0, 1, 0.5f};
  const Tensor t = prepare_denoise_mask(backend(), m, 4, 4, Shape{2, 2, 2, 3});
  const std::vector<float> got = t.to_host();
  const std::vector<float> plane = {0.5f, 0.0f, 0.0f, 0.875f};
  ASSERT_EQ(got.size(), 24u);
  for (std::size_t i = 0; i < got.size(); ++i) {  // repeated over channels and batch
    EXPECT_FLOAT_EQ(got[i], plane[(i / 3) % 4]) << i;
  }
}

TEST(DenoiseMask, UpsamplesWithEdgeClamping) {
  // 2x1 -> 4x1: source x = (o + 0.5) / 2 - 0.5, clamped to [0, 1].
  const std::vector<float> m = {0.0f, 1.0f};
  const std::vector<float> got =
      prepare_denoise_mask(backend(), m, 2, 1, Shape{1, 1, 4, 1}).to_host();
  const std::vector<float> want = {0.0f, 0.25f, 0.75f, 1.0f};
  for (std::size_t i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(got[i], want[i]) << i;
}

TEST(DenoiseMask, RefusesBadMasks) {
  const std::vector<float> m(6, 0.5f);
  EXPECT_THROW(prepare_denoise_mask(backend(), m, 4, 2, kShape), std::invalid_argument);
  std::vector<float> bad = m;
  bad[2] = -0.1f;
  EXPECT_THROW(prepare_denoise_mask(backend(), bad, 3, 2, kShape), std::invalid_argument);
  bad[2] = std::nanf("");
  EXPECT_THROW(prepare_denoise_mask(backend(), bad, 3, 2, kShape), std::invalid_argument);
  EXPECT_THROW(prepare_denoise_mask(backend(), m, 3, 2, Shape{3, 4}), std::invalid_argument);
}

TEST(InpaintDenoiser, BlendsInputAndOutputAsKSamplerX0Inpaint) {
  const std::vector<float> mask = ramp(96, 1.0f / 16.0f, 0.0f);  // 0 .. 1
  const std::vector<float> latent = ramp(96, 0.1f, -0.7f);
  const std::vector<float> noise = ramp(96, -0.03f, 0.2f);
  const std::vector<float> x = ramp(96, 0.2f, 1.0f);
  const float sigma = 2.5f;
  std::vector<float> seen;
  const Denoiser recorder = [&](const Tensor& in, float) {
    seen = in.to_host();
    return ops::scale_bias(in, 0.5f, 0.25f);
  };
  const Denoiser d = make_inpaint_denoiser(recorder, tensor(mask), tensor(latent), tensor(noise));
  const std::vector<float> out = d(tensor(x), sigma).to_host();
  ASSERT_EQ(seen.size(), 96u);
  for (std::size_t i = 0; i < 96; ++i) {
    const float m = mask[i];
    const float x_in = x[i] * m + (latent[i] + noise[i] * sigma) * (1 - m);
    EXPECT_NEAR(seen[i], x_in, 1e-6f * (1 + std::fabs(x_in))) << i;
    const float want = (0.5f * x_in + 0.25f) * m + latent[i] * (1 - m);
    EXPECT_NEAR(out[i], want, 1e-6f * (1 + std::fabs(want))) << i;
  }
  EXPECT_THROW(make_inpaint_denoiser(recorder, tensor(mask), tensor(latent), Tensor()),
               std::invalid_argument);
}

KSamplerSettings settings_for(SamplerKind kind) {
  KSamplerSettings s;
  s.sampler = kind;
  s.scheduler = Scheduler::Karras;
  s.steps = 5;
  s.denoise = 0.7;
  s.seed = 99;
  return s;
}

// Every sampler reaches the network only through the Denoiser, so the mask holds for all of
// them: a zero mask returns the starting latent (up to the last step's rounding), a full mask
// is the unmasked run bit for bit (x * 1 + y * 0 and out * 1 + latent * 0 are exact).
TEST(InpaintKSample, EverySamplerKeepsAZeroMaskAndIgnoresAFullOne) {
  const DiscreteSchedule schedule;
  const Tensor latent = tensor(ramp(96, 0.15f, -1.2f));
  const std::vector<float> latent_host = latent.to_host();
  for (SamplerKind kind : all_samplers()) {
    KSamplerSettings s = settings_for(kind);
    const std::vector<float> plain =
        ksample(schedule, toy_denoiser(), s, backend(), kShape, &latent).to_host();
    s.denoise_mask = tensor(std::vector<float>(96, 1.0f));
    EXPECT_EQ(ksample(schedule, toy_denoiser(), s, backend(), kShape, &latent).to_host(), plain)
        << sampler_name(kind);
    s.denoise_mask = tensor(std::vector<float>(96, 0.0f));
    const std::vector<float> kept =
        ksample(schedule, toy_denoiser(), s, backend(), kShape, &latent).to_host();
    for (std::size_t i = 0; i < kept.size(); ++i) {
      // Samplers end with x + (x - denoised) / sigma * (sigma_next - sigma) or a multistep
      // form of it: a few ulps of the O(1) values.
      EXPECT_NEAR(kept[i], latent_host[i], 1e-5) << sampler_name(kind) << " value " << i;
    }
  }
}

TEST(InpaintKSample, RefusesAMaskWithoutALatentOrOfAnotherShape) {
  const DiscreteSchedule schedule;
  KSamplerSettings s = settings_for(SamplerKind::Euler);
  s.denoise_mask = tensor(std::vector<float>(96, 1.0f));
  EXPECT_THROW(ksample(schedule, toy_denoiser(), s, backend(), kShape), std::invalid_argument);
  const Tensor latent = Tensor::from_host(backend(), Shape{1, 3, 4, 4}, std::vector<float>(48));
  EXPECT_THROW(ksample(schedule, toy_denoiser(), s, backend(), Shape{1, 3, 4, 4}, &latent),
               std::invalid_argument);
}

}  // namespace
}  // namespace pixforge::sampling
