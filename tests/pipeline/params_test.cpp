// Parameter validation, infotext mapping (A1111 names), latent previews.
#include <gtest/gtest.h>

#include <cmath>

#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/pipeline/generation_params.h"
#include "pixforge/pipeline/infotext.h"
#include "pixforge/pipeline/latent_preview.h"

namespace pixforge::pipeline {
namespace {

std::string validation_error(const GenerationParams& p) {
  try {
    validate(p);
  } catch (const InvalidParams& e) {
    return e.what();
  }
  return "";
}

TEST(GenerationParams, DefaultsAreValid) { EXPECT_EQ(validation_error({}), ""); }

TEST(GenerationParams, EachBadFieldIsNamed) {
  auto with = [](auto change) {
    GenerationParams p;
    change(p);
    return validation_error(p);
  };
  EXPECT_NE(with([](auto& p) { p.width = 500; }).find("width 500"), std::string::npos);
  EXPECT_NE(with([](auto& p) { p.height = 0; }).find("height"), std::string::npos);
  EXPECT_NE(with([](auto& p) { p.width = 100000; }).find("width"), std::string::npos);
  EXPECT_NE(with([](auto& p) { p.width = p.height = 4096; }).find("pixels"), std::string::npos);
  EXPECT_NE(with([](auto& p) { p.steps = 0; }).find("steps"), std::string::npos);
  EXPECT_NE(with([](auto& p) { p.steps = 1001; }).find("steps"), std::string::npos);
  EXPECT_NE(with([](auto& p) { p.cfg_scale = -1; }).find("cfg"), std::string::npos);
  EXPECT_NE(with([](auto& p) { p.cfg_scale = std::nan(""); }).find("cfg"), std::string::npos);
  EXPECT_NE(with([](auto& p) { p.seed = -2; }).find("seed"), std::string::npos);
  EXPECT_NE(with([](auto& p) { p.batch_size = 0; }).find("batch size"), std::string::npos);
  EXPECT_NE(with([](auto& p) { p.batch_count = 0; }).find("batch count"), std::string::npos);
  EXPECT_NE(with([](auto& p) {
              p.init_image = Image::blank(8, 8);
              p.strength = 0;
            }).find("strength"),
            std::string::npos);
  // Unknown names list every accepted one.
  const std::string s = with([](auto& p) { p.sampler = "euler_x"; });
  for (const auto& name : sampler_names()) EXPECT_NE(s.find(name), std::string::npos) << name;
  const std::string k = with([](auto& p) { p.scheduler = "nope"; });
  for (const auto& name : scheduler_names()) EXPECT_NE(k.find(name), std::string::npos) << name;
}

TEST(GenerationParams, RandomSeedIsResolved) {
  EXPECT_EQ(resolve_seed(42), 42);
  const std::int64_t s = resolve_seed(-1);
  EXPECT_GE(s, 0);
  EXPECT_LT(s, std::int64_t{1} << 32);
}

TEST(Infotext, WritesA1111Keys) {
  GenerationParams p;
  p.prompt = "a cat";
  p.negative_prompt = "blurry";
  p.sampler = "euler_ancestral";
  p.scheduler = "karras";
  p.cfg_scale = 7.5;
  p.width = 512;
  p.height = 768;
  const std::string text =
      format_a1111_parameters(to_a1111(p, 1234, 0, {"v1-5-pruned-emaonly", "6ce0161689"}));
  EXPECT_EQ(text,
            "a cat\nNegative prompt: blurry\n"
            "Steps: 20, Sampler: Euler a, Schedule type: Karras, CFG scale: 7.5, Seed: 1234, "
            "Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, RNG: CPU");
  p.rng = sampling::RngKind::TorchCudaPhilox;  // A1111's default: no RNG key
  p.init_image = Image::blank(8, 8);
  p.strength = 0.6;
  p.batch_size = 2;
  const auto a = to_a1111(p, 7, 1, {});
  EXPECT_EQ(a.get("RNG"), std::nullopt);
  EXPECT_EQ(a.get("Denoising strength"), "0.6");
  EXPECT_EQ(a.get("Batch pos"), "1");
  EXPECT_EQ(a.get("CFG scale"), "7.5");
}

TEST(Infotext, RoundTripsEverySamplerAndScheduler) {
  for (const auto& sampler : sampler_names()) {
    for (const auto& scheduler : scheduler_names()) {
      GenerationParams p;
      p.prompt = "x, y: z";
      p.sampler = sampler;
      p.scheduler = scheduler;
      p.seed = 99;
      p.steps = 13;
      p.cfg_scale = 3.25;
      GenerationParams back;
      apply_a1111(parse_a1111_parameters(format_a1111_parameters(to_a1111(p, 99, 0, {}))), back);
      EXPECT_EQ(back.sampler, sampler);
      EXPECT_EQ(back.scheduler, scheduler);
      EXPECT_EQ(back.prompt, p.prompt);
      EXPECT_EQ(back.seed, 99);
      EXPECT_EQ(back.steps, 13);
      EXPECT_EQ(back.cfg_scale, 3.25);
      EXPECT_EQ(back.rng, sampling::RngKind::TorchCpu);
    }
  }
}

TEST(Infotext, ReadsA1111Strings) {
  GenerationParams p;
  apply_a1111(
      parse_a1111_parameters("masterpiece\nNegative prompt: lowres\n"
                             "Steps: 25, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 3902716382, "
                             "Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, "
                             "Denoising strength: 0.7, Version: v1.6.0"),
      p);
  EXPECT_EQ(p.sampler, "dpmpp_2m");
  EXPECT_EQ(p.scheduler, "karras");
  EXPECT_EQ(p.seed, 3902716382);
  EXPECT_EQ(p.width, 512);
  EXPECT_EQ(p.height, 768);
  EXPECT_EQ(p.strength, 0.7);
  EXPECT_EQ(p.rng, sampling::RngKind::TorchCudaPhilox);  // no RNG key: A1111's GPU noise

  GenerationParams q;
  apply_a1111(parse_a1111_parameters("a\nSteps: 20, Sampler: DPM++ 2M SDE, Schedule type: "
                                     "Automatic, CFG scale: 7, Seed: 1, Size: 512x512, RNG: CPU"),
              q);
  EXPECT_EQ(q.scheduler, "exponential");
  EXPECT_EQ(q.rng, sampling::RngKind::TorchCpu);
}

TEST(Infotext, UnreadableValuesAreNamed) {
  GenerationParams p;
  auto error = [&](const std::string& line) {
    try {
      apply_a1111(parse_a1111_parameters("p\n" + line), p);
    } catch (const InvalidParams& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error("Steps: many, Sampler: Euler, Seed: 1").find("Steps"), std::string::npos);
  EXPECT_NE(error("Steps: 2, Sampler: UniPC, Seed: 1").find("UniPC"), std::string::npos);
  EXPECT_NE(error("Steps: 2, Size: 5x, Seed: 1").find("Size"), std::string::npos);
  EXPECT_NE(error("Steps: 2, Seed: 1, RNG: NV").find("RNG"), std::string::npos);
}

TEST(LatentPreview, AppliesComfyUiFactors) {
  auto backend = make_reference_backend();
  // One latent pixel (1, 0, 0, 0) -> first factor row; another all zeros -> mid grey.
  const std::vector<float> v = {1, 0, 0, 0, 0, 0, 0, 0};
  const Image im = latent_rgb_preview(Tensor::from_host(*backend, Shape{1, 1, 2, 4}, v));
  ASSERT_EQ(im.width, 2);
  ASSERT_EQ(im.height, 1);
  EXPECT_EQ(im.pixels[0], static_cast<int>(255.0f * ((0.3512f + 1) / 2)));
  EXPECT_EQ(im.pixels[1], static_cast<int>(255.0f * ((0.2297f + 1) / 2)));
  EXPECT_EQ(im.pixels[3], 127);
  EXPECT_THROW(latent_rgb_preview(Tensor::from_host(*backend, Shape{1, 2, 4}, v)),
               std::invalid_argument);
}

}  // namespace
}  // namespace pixforge::pipeline
