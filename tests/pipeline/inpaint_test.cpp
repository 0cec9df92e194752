// Inpainting with a latent noise mask (sampling/inpaint.h) end to end against
// tools/reference/pipeline_inpaint.py: ComfyUI's SetLatentNoiseMask + KSampler restated in
// PyTorch on the 64x64 reference pipeline (synthetic f16 SD 1.5 weights, f32 compute here).
//
// Tolerances: images PSNR >= 40 dB (the bar; the differences are f32 summation order in
// oneDNN vs PyTorch through 4 steps and the VAE, as in txt2img_test.cpp); final latents
// atol 2e-2 + rtol 2e-2 as there. The latent mask is pure host arithmetic in f32 on both sides:
// 1e-6. Where the mask is 0 the final latent is the init latent up to the last Euler step's
// x + (x - denoised) / sigma * (0 - sigma) rounding (a few ulps of |x| ~ 10): 1e-4 absolute.
#include "pixforge/sampling/inpaint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "pipeline_fixture.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "pixforge/pipeline/generate.h"
#include "pixforge/pipeline/infotext.h"
#include "pixforge/pipeline/inpaint_mask.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::pipeline {
namespace {

using pipeline_test::PipelineTest;

constexpr int kInpaintGoldenVersion = 1;

const testing::Golden& inpaint_golden() {
  static const testing::Golden g = testing::load_golden(
      testing::golden_path("pipeline/inpaint.safetensors"), kInpaintGoldenVersion);
  return g;
}

Image mask_picture() { return read_image_file(testing::golden_path("pipeline/mask_64.png")); }

// tools/reference/pipeline_inpaint.py's CASES[name].
GenerationParams inpaint_case(const std::string& name) {
  GenerationParams p;
  p.width = p.height = 64;
  p.compute = ComputeType::F32;
  p.init_image = read_image_file(testing::golden_path("pipeline/init_64.png"));
  p.mask = mask_from_image(mask_picture());
  if (name == "inpaint") {
    p.prompt = "a red door, oil painting";
    p.sampler = "euler";
    p.scheduler = "normal";
    p.steps = 4;
    p.cfg_scale = 5.0;
    p.seed = 11;
    p.strength = 0.8;
  } else if (name == "inpaint_full") {
    p.prompt = "a yellow sun";
    p.negative_prompt = "blurry";
    p.sampler = "euler_ancestral";
    p.scheduler = "karras";
    p.steps = 4;
    p.cfg_scale = 7.0;
    p.seed = 5;
    p.batch_size = 2;
    p.strength = 1.0;
  } else {
    ADD_FAILURE() << "no inpaint case " << name;
  }
  return p;
}

std::vector<GeneratedImage> run_case(const std::string& name) {
  GenerateOptions go;
  go.keep_latents = true;
  return generate(PipelineTest::model_f32(), inpaint_case(name), go);
}

std::vector<float> part(const testing::GoldenTensor& t, std::int64_t i) {
  const std::size_t per = t.values.size() / static_cast<std::size_t>(t.shape[0]);
  return {t.values.begin() + static_cast<std::ptrdiff_t>(i * per),
          t.values.begin() + static_cast<std::ptrdiff_t>((i + 1) * per)};
}

void expect_matches(const std::string& name, const std::vector<GeneratedImage>& out) {
  const auto& image = inpaint_golden().at(name + ".image");
  const auto& latent = inpaint_golden().at(name + ".latent");
  ASSERT_EQ(static_cast<std::int64_t>(out.size()), image.shape[0]) << name;
  for (std::int64_t i = 0; i < image.shape[0]; ++i) {
    const std::vector<float> actual(out[i].image.pixels.begin(), out[i].image.pixels.end());
    const double psnr = testing::compare(actual, part(image, i)).psnr(255.0);
    std::printf("[ %s image %lld ] PSNR %.2f dB\n", name.c_str(), static_cast<long long>(i), psnr);
    EXPECT_GE(psnr, 40.0) << name << " image " << i;
    EXPECT_TRUE(testing::all_close(out[i].latent.to_host(), part(latent, i), 2e-2, 2e-2))
        << name << " latent " << i;
  }
}

void expect_keeps_unmasked_area(const GeneratedImage& out);

// One run (the UNet at f32 is the slow part) checked against the reference and for what a mask
// promises.
TEST_F(PipelineTest, InpaintMatchesReferenceAndKeepsTheUnmaskedArea) {
  const auto out = run_case("inpaint");
  expect_matches("inpaint", out);
  EXPECT_EQ(out[0].parameters.get("Denoising strength"), "0.8");
  EXPECT_EQ(out[0].parameters.get("Mask blur"), "0");
  expect_keeps_unmasked_area(out[0]);
}

TEST_F(PipelineTest, InpaintFullDenoiseBatchMatchesReference) {
  expect_matches("inpaint_full", run_case("inpaint_full"));
}

TEST(InpaintMask, LatentMaskIsComfyUIsBilinearResize) {
  const InpaintMask m = mask_from_image(mask_picture());
  const auto backend = make_reference_backend();  // host arithmetic only: no model needed
  const Tensor lm =
      sampling::prepare_denoise_mask(*backend, m.values, m.width, m.height, Shape{1, 8, 8, 4});
  const std::vector<float> all = lm.to_host();
  std::vector<float> channel0;
  for (std::size_t i = 0; i < all.size(); i += 4) channel0.push_back(all[i]);
  EXPECT_TRUE(testing::all_close(channel0, inpaint_golden().at("mask.latent").values, 1e-6, 0));
}

// The kept area: latents where the latent mask is 0 are the init latent (1e-4, see the top);
// pixels inside the mask are repainted. Decoded pixels away from the mask are close to the VAE
// round trip of the input but cannot equal it: the VAE decoder's GroupNorm statistics and its
// mid-block self-attention span the whole latent, so repainted latents move every pixel a
// little. On these synthetic random weights that coupling is strong (measured: far pixels
// 33 levels mean from the round trip, repainted ones 92), so the bar is relative: pixels 12 or
// more pixels from the mask must stay within half the change of the repainted pixels, and the
// repainted pixels must change by more than 10 levels on average.
void expect_keeps_unmasked_area(const GeneratedImage& out) {
  const auto& g = inpaint_golden();
  const std::vector<float> lmask = g.at("mask.latent").values;  // [8, 8]
  const std::vector<float> init = g.at("init.latent").values;   // [8, 8, 4]
  const std::vector<float> got = out.latent.to_host();
  int kept = 0, repainted = 0;
  double repainted_change = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const float m = lmask[i / 4];
    if (m == 0.0f) {
      ++kept;
      EXPECT_NEAR(got[i], init[i], 1e-4) << "latent value " << i << " outside the mask";
    } else if (m == 1.0f) {
      ++repainted;
      repainted_change += std::fabs(got[i] - init[i]);
    }
  }
  ASSERT_GT(kept, 100);
  ASSERT_GT(repainted, 20);
  EXPECT_GT(repainted_change / repainted, 0.1) << "the masked latents did not change";

  // Pixels: those at least kMargin pixels from any nonzero mask pixel (beyond the VAE decoder's
  // local reach of the changed latents) vs the reference's decode of the init latent.
  constexpr int kMargin = 12;
  const std::vector<float> mask = mask_from_image(mask_picture()).values;
  const std::vector<float>& roundtrip = g.at("init.roundtrip").values;
  const Image& img = out.image;
  auto near_mask = [&](int x, int y) {
    for (int yy = std::max(0, y - kMargin); yy <= std::min(63, y + kMargin); ++yy)
      for (int xx = std::max(0, x - kMargin); xx <= std::min(63, x + kMargin); ++xx)
        if (mask[static_cast<std::size_t>(yy * 64 + xx)] > 0.0f) return true;
    return false;
  };
  double far_max = 0, far_sum = 0, in_sum = 0;
  int far = 0, inside = 0;
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      const std::size_t p = static_cast<std::size_t>(y * 64 + x);
      for (int c = 0; c < 3; ++c) {
        const double d = std::fabs(img.pixels[p * 3 + c] - roundtrip[p * 3 + c]);
        if (!near_mask(x, y)) {
          far_max = std::max(far_max, d);
          far_sum += d;
          ++far;
        } else if (mask[p] == 1.0f) {
          in_sum += d;
          ++inside;
        }
      }
    }
  }
  std::printf(
      "[ inpaint ] far from the mask: max %.0f mean %.3f levels from the round trip; "
      "inside: mean %.1f levels\n",
      far_max, far_sum / far, in_sum / inside);
  ASSERT_GT(far, 300);
  ASSERT_GT(inside, 300);
  EXPECT_GT(in_sum / inside, 10.0);
  EXPECT_LT(far_sum / far, 0.5 * in_sum / inside);
}

TEST(InpaintMask, RejectedWithoutAnImageOrAtAnotherSize) {
  GenerationParams p = inpaint_case("inpaint");
  p.init_image.reset();
  try {
    validate(p);
    ADD_FAILURE() << "a mask without an init image was accepted";
  } catch (const InvalidParams& e) {
    EXPECT_NE(std::string(e.what()).find("init image"), std::string::npos) << e.what();
  }
  p = inpaint_case("inpaint");
  p.mask->width = 32;
  p.mask->values.resize(32 * 64);
  EXPECT_THROW(validate(p), InvalidParams);
  p = inpaint_case("inpaint");
  p.mask->values[5] = 1.5f;
  EXPECT_THROW(validate(p), InvalidParams);
}

TEST(InpaintMask, FromPictures) {
  Image grey = Image::blank(2, 1, 3);
  grey.pixels = {255, 255, 255, 128, 128, 128};  // white repaints, grey blends
  InpaintMask m = mask_from_image(grey);
  ASSERT_EQ(m.values.size(), 2u);
  EXPECT_EQ(m.values[0], 1.0f);
  EXPECT_FLOAT_EQ(m.values[1], 128.0f / 255.0f);
  Image alpha = Image::blank(2, 1, 4);
  alpha.pixels = {255, 255, 255, 0, 0, 0, 0, 255};  // transparent repaints, whatever its colour
  m = mask_from_image(alpha);
  EXPECT_EQ(m.values[0], 1.0f);
  EXPECT_EQ(m.values[1], 0.0f);
  alpha.pixels = {255, 255, 255, 255, 0, 0, 0, 255};  // opaque everywhere: the colours count
  m = mask_from_image(alpha);
  EXPECT_EQ(m.values[0], 1.0f);
  EXPECT_EQ(m.values[1], 0.0f);
  EXPECT_THROW(mask_from_image(Image{}), InvalidParams);
}

}  // namespace
}  // namespace pixforge::pipeline
