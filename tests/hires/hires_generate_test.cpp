// The hires fix and variation seeds through generate() on the synthetic SD 1.5 checkpoint
// (f32), 64x64 -> 80x80 (scale 1.25: a real resample at a tenth of a 128x128 pass's cost on
// the full SD 1.5 layout), 1-2 steps. The second pass is checked against the engine's own
// pieces composed by hand: the same txt2img, the upscale, then img2img at the target with the
// same seed, so every difference is in the plumbing (seeds, steps, denoise, conditioning),
// which must be exact: the compositions compare bit for bit.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "pipeline_fixture.h"
#include "pixforge/core/ops.h"
#include "pixforge/image/convert.h"
#include "pixforge/nn/unet.h"
#include "pixforge/pipeline/generate.h"
#include "pixforge/pipeline/hires_upscale.h"
#include "pixforge/pipeline/latent_upscale.h"
#include "pixforge/sampling/denoiser.h"
#include "pixforge/sampling/ksampler.h"
#include "pixforge/text/text_conditioner.h"

namespace pixforge::pipeline {
namespace {

using pipeline_test::PipelineTest;

GenerationParams small() {
  GenerationParams p;
  p.prompt = "a lighthouse at dusk";
  p.negative_prompt = "blurry";
  p.width = p.height = 64;
  p.steps = 1;
  p.cfg_scale = 5.0;
  p.seed = 11;
  p.sampler = "euler";
  p.scheduler = "karras";
  p.compute = ComputeType::F32;
  return p;
}

HiresFix hires(const std::string& upscaler) {
  HiresFix h;
  h.scale = 1.25;
  h.steps = 1;
  h.denoise = 0.6;
  h.upscaler = upscaler;
  return h;
}

GeneratedImage one(const GenerationParams& p, bool keep_latents = false) {
  GenerateOptions go;
  go.previews = false;
  go.keep_latents = keep_latents;
  auto out = generate(PipelineTest::model_f32(), p, go);
  EXPECT_EQ(out.size(), 1u);
  return std::move(out.front());
}

// Pixel upscaler: txt2img, resize the picture, img2img it: exactly what the engine's img2img
// does with an init image of the target size.
TEST_F(PipelineTest, PixelHiresIsTxt2ImgThenResizeThenImg2Img) {
  GenerationParams p = small();
  p.hires = hires("None");
  const GeneratedImage hr = one(p);
  EXPECT_EQ(hr.image.width, 80);
  EXPECT_EQ(hr.image.height, 80);

  GenerationParams first = small();
  const GeneratedImage low = one(first);
  GenerationParams second = small();
  second.width = second.height = 80;
  second.steps = 1;
  second.strength = 0.6;
  second.init_image = resize_image(low.image, 80, 80, ResizeFilter::Lanczos3);
  const GeneratedImage composed = one(second);
  EXPECT_EQ(hr.image.pixels, composed.image.pixels);

  EXPECT_EQ(hr.parameters.get("Size"), "64x64");  // A1111 records the first pass's size
  EXPECT_EQ(hr.parameters.get("Hires upscale"), "1.25");
  EXPECT_EQ(hr.parameters.get("Hires steps"), "1");
  EXPECT_EQ(hr.parameters.get("Hires upscaler"), "None");
  EXPECT_EQ(hr.parameters.get("Denoising strength"), "0.6");
}

// Latent upscaler: the first pass's latent interpolated, then KSampler at the target with the
// second pass's settings, composed from the engine's sampling pieces.
TEST_F(PipelineTest, LatentHiresIsInterpolateThenSecondKSample) {
  const Model& model = model_f32();
  GenerationParams p = small();
  p.sampler = "euler_ancestral";  // the second pass's own noise stream is part of the check
  p.hires = hires("Latent (bicubic antialiased)");
  p.hires->scheduler = "normal";
  const GeneratedImage hr = one(p, true);
  ASSERT_EQ(hr.latent.shape(), (Shape{1, 10, 10, 4}));

  GenerationParams first = p;
  first.hires.reset();
  const GeneratedImage low = one(first, true);
  const Tensor up =
      interpolate_nhwc(low.latent, 10, 10,
                       *find_latent_upscale_mode("Latent (bicubic antialiased)"), model.backend());
  const text::Conditioning both = model.text().encode_pair(p.prompt, p.negative_prompt);
  const Tensor uncond_and_cond = ops::concat({both.uncond, both.cond}, 0);
  const sampling::DiscreteSchedule schedule;
  sampling::ModelFn network = [&](const Tensor& x, float t, sampling::Conditioning which) {
    const Tensor& ctx = which == sampling::Conditioning::Cond ? both.cond : uncond_and_cond;
    return model.unet().forward(x, std::vector<float>(static_cast<std::size_t>(x.dim(0)), t), ctx);
  };
  sampling::ModelDenoiserOptions dopts;
  dopts.cfg_scale = 5.0f;
  sampling::KSamplerSettings ks;
  ks.sampler = sampling::SamplerKind::EulerAncestral;
  ks.scheduler = sampling::Scheduler::Normal;
  ks.steps = 1;
  ks.denoise = 0.6;
  ks.seed = 11;
  ks.ancestral = {sampling::RngKind::TorchCpu, 1};
  const Tensor x =
      sampling::ksample(schedule, sampling::make_model_denoiser(schedule, network, dopts), ks,
                        model.backend(), up.shape(), &up);
  EXPECT_EQ(hr.latent.to_host(), x.to_host());
  EXPECT_EQ(hr.parameters.get("Hires schedule type"), "Normal");
  EXPECT_FALSE(hr.parameters.get("Hires sampler").has_value());  // same sampler: not written
}

// A model upscaler (GenerateOptions::upscalers: how the CLI and the server bring in ESRGAN) runs
// as A1111 runs one: passes until the picture covers the target, then Lanczos to it. Here a
// stand-in model doubling the picture (nearest), so the test needs no model files.
TEST_F(PipelineTest, ModelUpscalerIsTxt2ImgThenModelThenResizeThenImg2Img) {
  int passes = 0;
  const ModelUpscaler doubler = [&passes](const Image& im) {
    ++passes;
    return resize_image(im, im.width * 2, im.height * 2, ResizeFilter::Nearest);
  };
  GenerationParams p = small();
  p.hires = hires("Doubler");
  EXPECT_THROW(generate(model_f32(), p), InvalidParams);  // unknown without the option
  GenerateOptions go;
  go.previews = false;
  go.upscalers["Doubler"] = doubler;
  const auto hr = generate(model_f32(), p, go);
  ASSERT_EQ(hr.size(), 1u);
  EXPECT_EQ(passes, 1);  // 64 -> 128 covers 80 at once
  EXPECT_EQ(hr[0].parameters.get("Hires upscaler"), "Doubler");

  const GeneratedImage low = one(small());
  GenerationParams second = small();
  second.width = second.height = 80;
  second.strength = 0.6;
  second.init_image = resize_image(doubler(low.image), 80, 80, ResizeFilter::Lanczos3);
  EXPECT_EQ(hr[0].image.pixels, one(second).image.pixels);
}

TEST_F(PipelineTest, HiresProgressCountsBothPassesAndCancelsInTheSecond) {
  GenerationParams p = small();
  p.hires = hires("Latent");
  p.hires->steps = 2;
  int calls = 0;
  GenerateOptions go;
  go.previews = false;
  go.on_progress = [&](const Progress& pr) {
    ++calls;
    EXPECT_EQ(pr.step, calls);
    EXPECT_EQ(pr.steps, 3);  // 1 first-pass + 2 hires steps
    return calls < 2;        // stops after the second pass's first step
  };
  EXPECT_THROW(generate(model_f32(), p, go), Cancelled);
  EXPECT_EQ(calls, 2);
}

TEST_F(PipelineTest, VariationStrengthZeroIsNoVariationAndOneIsTheSubseed) {
  GenerationParams p = small();
  const GeneratedImage plain = one(p);
  p.subseed = 77;
  p.subseed_strength = 0.0;
  const GeneratedImage zero = one(p);
  EXPECT_EQ(zero.image.pixels, plain.image.pixels);
  EXPECT_FALSE(zero.parameters.get("Variation seed").has_value());

  p.subseed_strength = 0.5;
  const GeneratedImage half = one(p);
  EXPECT_NE(half.image.pixels, plain.image.pixels);
  EXPECT_EQ(half.parameters.get("Variation seed"), "77");
  EXPECT_EQ(half.parameters.get("Variation seed strength"), "0.5");

  // Strength 1 is the subseed's own noise; euler draws nothing more, so the picture is the
  // subseed's.
  p.subseed_strength = 1.0;
  GenerationParams other = small();
  other.seed = 77;
  EXPECT_EQ(one(p).image.pixels, one(other).image.pixels);
}

TEST_F(PipelineTest, VariationBatchCountKeepsTheSeedAndStepsTheSubseed) {
  GenerationParams p = small();
  p.subseed = 5;
  p.subseed_strength = 0.3;
  p.batch_count = 2;
  GenerateOptions go;
  go.previews = false;
  const auto out = generate(model_f32(), p, go);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].seed, 11);
  EXPECT_EQ(out[1].parameters.get("Seed"), "11");
  EXPECT_EQ(out[1].parameters.get("Variation seed"), "6");
  GenerationParams second = p;
  second.batch_count = 1;
  second.subseed = 6;
  EXPECT_EQ(one(second).image.pixels, out[1].image.pixels);
}

TEST_F(PipelineTest, SeedResizeChangesTheNoiseAndIsRecorded) {
  GenerationParams p = small();
  p.seed_resize_from_w = 128;
  p.seed_resize_from_h = 128;
  const GeneratedImage resized = one(p);
  EXPECT_NE(resized.image.pixels, one(small()).image.pixels);
  EXPECT_EQ(resized.parameters.get("Seed resize from"), "128x128");
}

}  // namespace
}  // namespace pixforge::pipeline
