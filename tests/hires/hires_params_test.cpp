// Hires fix and variation parameters without a model: A1111's target-size rules, validation
// errors naming the field, and the infotext keys written and read back.
#include <gtest/gtest.h>

#include "pixforge/image/a1111_parameters.h"
#include "pixforge/image/convert.h"
#include "pixforge/pipeline/generation_params.h"
#include "pixforge/pipeline/hires_fix.h"
#include "pixforge/pipeline/hires_upscale.h"
#include "pixforge/pipeline/infotext.h"

namespace pixforge::pipeline {
namespace {

HiresTarget target(int w, int h, double scale, int rx, int ry) {
  HiresFix f;
  f.scale = scale;
  f.resize_x = rx;
  f.resize_y = ry;
  return hires_target(w, h, f);
}

TEST(HiresTarget, FollowsA1111sRules) {
  HiresTarget t = target(512, 768, 1.5, 0, 0);  // int(side * scale)
  EXPECT_EQ(t.upscale_width, 768);
  EXPECT_EQ(t.upscale_height, 1152);
  EXPECT_EQ(t.width, 768);
  t = target(520, 512, 1.7, 0, 0);  // 884 x 870: the latent floors to a multiple of 8
  EXPECT_EQ(t.upscale_width, 884);
  EXPECT_EQ(t.width, 880);
  EXPECT_EQ(t.height, 864);
  t = target(512, 768, 2.0, 1024, 0);  // height from the aspect ratio
  EXPECT_EQ(t.upscale_height, 1536);
  t = target(512, 768, 2.0, 0, 1024);  // width from the aspect ratio
  EXPECT_EQ(t.upscale_width, 682);
  EXPECT_EQ(t.width, 680);
  // Both sides with another ratio: upscale to cover, crop the latent's centre.
  t = target(512, 512, 2.0, 1024, 768);
  EXPECT_EQ(t.upscale_width, 1024);
  EXPECT_EQ(t.upscale_height, 1024);
  EXPECT_EQ(t.truncate_y, 32);
  EXPECT_EQ(t.truncate_x, 0);
  EXPECT_EQ(t.width, 1024);
  EXPECT_EQ(t.height, 768);
}

GenerationParams with_hires() {
  GenerationParams p;
  p.width = p.height = 512;
  p.hires = HiresFix{};
  return p;
}

void expect_invalid(const GenerationParams& p, const std::string& fragment) {
  try {
    validate(p);
    ADD_FAILURE() << "accepted; expected an error naming " << fragment;
  } catch (const InvalidParams& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(HiresParams, BadValuesAreNamed) {
  validate(with_hires());
  GenerationParams p = with_hires();
  p.hires->upscaler = "ESRGAN_4x";
  expect_invalid(p, "hires upscaler 'ESRGAN_4x'");
  p = with_hires();
  p.hires->scale = 0.5;
  expect_invalid(p, "hires scale");
  p = with_hires();
  p.hires->steps = -1;
  expect_invalid(p, "hires steps");
  p = with_hires();
  p.hires->denoise = 0.0;
  expect_invalid(p, "hires denoising strength");
  p = with_hires();
  p.hires->sampler = "euler_x";
  expect_invalid(p, "hires sampler 'euler_x'");
  p = with_hires();
  p.hires->scheduler = "nope";
  expect_invalid(p, "hires scheduler 'nope'");
  p = with_hires();
  p.hires->scale = 8.0;  // 4096 x 4096 > the pixel limit
  expect_invalid(p, "exceeds the limit");
  p = with_hires();
  p.hires->resize_x = 8192;
  expect_invalid(p, "hires resize");
  p = with_hires();
  p.init_image = Image::blank(64, 64, 3);
  expect_invalid(p, "txt2img");
}

TEST(VariationParams, BadValuesAreNamed) {
  GenerationParams p;
  p.subseed_strength = 1.5;
  expect_invalid(p, "subseed strength");
  p = GenerationParams{};
  p.subseed = -2;
  expect_invalid(p, "subseed");
  p = GenerationParams{};
  p.seed_resize_from_w = 64;
  p.seed_resize_from_h = 5000;
  expect_invalid(p, "seed resize from height 5000");
  p = GenerationParams{};
  p.seed_resize_from_w = 100;  // off unless both sides are set (A1111): not checked
  validate(p);
}

TEST(HiresUpscale, PixelUpscalersResizeToTheTarget) {
  Image im = Image::blank(8, 8, 3);
  for (std::size_t i = 0; i < im.pixels.size(); ++i)
    im.pixels[i] = static_cast<std::uint8_t>(i * 7);
  for (const char* name : {"None", "Lanczos", "Nearest"}) {
    const Image up = upscale_picture(im, 16, 24, name);
    EXPECT_EQ(up.width, 16) << name;
    EXPECT_EQ(up.height, 24) << name;
  }
  // Nearest at exactly 2x repeats each pixel (A1111's NEAREST step lands on the target).
  const Image nn = upscale_picture(im, 16, 16, "Nearest");
  EXPECT_EQ(nn.pixels[0], im.pixels[0]);
  EXPECT_EQ(nn.pixels[3], im.pixels[0]);
  EXPECT_EQ(nn.pixels[6], im.pixels[3]);
  EXPECT_NE(upscale_picture(im, 16, 16, "Lanczos").pixels, nn.pixels);
  EXPECT_THROW(upscale_picture(im, 16, 16, "Latent"), InvalidParams);
}

// A1111's Upscaler.upscale loop: model passes while the picture is smaller than the multiple
// of 8 below side * scale (at most three; a pass that changes nothing stops it), then Lanczos.
TEST(HiresUpscale, ModelUpscalersRunUntilTheTargetIsCovered) {
  const Image im = Image::blank(8, 8, 3);
  int passes = 0;
  ModelUpscalers models;
  models["x2"] = [&passes](const Image& in) {
    ++passes;
    return resize_image(in, in.width * 2, in.height * 2, ResizeFilter::Nearest);
  };
  models["same"] = [&passes](const Image& in) {
    ++passes;
    return in;
  };
  Image up = upscale_picture(im, 56, 56, "x2", models);  // 8 -> 16 -> 32 -> 64 >= 56
  EXPECT_EQ(passes, 3);
  EXPECT_EQ(up.width, 56);
  passes = 0;
  up = upscale_picture(im, 200, 200, "x2", models);  // three passes at most: 64, then Lanczos
  EXPECT_EQ(passes, 3);
  EXPECT_EQ(up.width, 200);
  passes = 0;
  up = upscale_picture(im, 32, 32, "same", models);
  EXPECT_EQ(passes, 1);
  EXPECT_EQ(up.width, 32);
  EXPECT_THROW(upscale_picture(im, 16, 16, "ESRGAN slim x2"), InvalidParams);
}

TEST(HiresInfotext, WritesA1111KeysAndReadsThemBack) {
  GenerationParams p;
  p.prompt = "a cat";
  p.width = 512;
  p.height = 768;
  p.seed = 10;
  p.subseed = 20;
  p.subseed_strength = 0.25;
  p.seed_resize_from_w = 448;
  p.seed_resize_from_h = 640;
  p.hires = HiresFix{};
  p.hires->resize_x = 1024;
  p.hires->resize_y = 0;
  p.hires->steps = 12;
  p.hires->denoise = 0.45;
  p.hires->upscaler = "Latent (nearest-exact)";
  p.hires->sampler = "dpmpp_2m";
  p.hires->scheduler = "karras";
  p.hires->prompt = "a cat, detailed";
  const A1111Parameters a = to_a1111(p, 10, 0, {}, 21);
  const std::string text = format_a1111_parameters(a);
  EXPECT_NE(text.find("Seed: 10, Size: 512x768, Variation seed: 21, Variation seed strength: "
                      "0.25, Seed resize from: 448x640, Denoising strength: 0.45"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Hires sampler: DPM++ 2M, Hires prompt: \"a cat, detailed\", Hires resize: "
                      "1024x0, Hires steps: 12, Hires upscaler: Latent (nearest-exact), Hires "
                      "schedule type: Karras"),
            std::string::npos)
      << text;
  GenerationParams back;
  apply_a1111(parse_a1111_parameters(text), back);
  EXPECT_EQ(back.subseed, 21);
  EXPECT_EQ(back.subseed_strength, 0.25);
  EXPECT_EQ(back.seed_resize_from_w, 448);
  EXPECT_EQ(back.seed_resize_from_h, 640);
  ASSERT_TRUE(back.hires.has_value());
  EXPECT_EQ(back.hires->resize_x, 1024);
  EXPECT_EQ(back.hires->resize_y, 0);
  EXPECT_EQ(back.hires->steps, 12);
  EXPECT_EQ(back.hires->denoise, 0.45);
  EXPECT_EQ(back.hires->upscaler, "Latent (nearest-exact)");
  EXPECT_EQ(back.hires->sampler, "dpmpp_2m");
  EXPECT_EQ(back.hires->scheduler, "karras");
  EXPECT_EQ(back.hires->prompt, "a cat, detailed");
  EXPECT_FALSE(back.hires->negative_prompt.has_value());
}

TEST(HiresInfotext, A1111StringsWithoutHiresOrVariationResetThem) {
  GenerationParams p;
  p.subseed_strength = 0.5;
  p.hires = HiresFix{};
  apply_a1111(parse_a1111_parameters("x\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, "
                                     "Size: 512x512"),
              p);
  EXPECT_EQ(p.subseed_strength, 0.0);
  EXPECT_FALSE(p.hires.has_value());
  // A1111 writes no "Hires upscaler" when none was chosen: its default, Latent.
  apply_a1111(parse_a1111_parameters("x\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, "
                                     "Size: 512x512, Denoising strength: 0.7, Hires upscale: 2"),
              p);
  ASSERT_TRUE(p.hires.has_value());
  EXPECT_EQ(p.hires->upscaler, "Latent");
  EXPECT_EQ(p.hires->scale, 2.0);
  EXPECT_EQ(p.hires->denoise, 0.7);
  EXPECT_THROW(apply_a1111(parse_a1111_parameters("x\nSteps: 20, Seed: 1, Size: 512x512, "
                                                  "Seed resize from: 12"),
                           p),
               InvalidParams);
}

}  // namespace
}  // namespace pixforge::pipeline
