// `pixforge generate -i in.png --mask mask.png`: inpainting from the command line, the
// parameters chunk it writes, and --from on an inpainted image.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli_fixture.h"
#include "pixforge/image/a1111_parameters.h"
#include "pixforge/image/codec.h"
#include "testing/paths.h"

namespace pixforge::pipeline {
namespace {

using pipeline_test::CliResult;
using pipeline_test::file_bytes;
using pipeline_test::run_generate;

class CliInpaintTest : public pipeline_test::GenerateCliTest {
 protected:
  std::string init() const { return testing::golden_path("pipeline/init_64.png"); }
  std::string mask() const { return testing::golden_path("pipeline/mask_64.png"); }
};

TEST_F(CliInpaintTest, BadMasksAreRefusedBeforeLoading) {
  // A mask without an init image, a mask of another size than the image, an unreadable mask.
  CliResult r = run_generate(model_args({"-p", "x", "-W", "64", "-H", "64", "--mask", mask()}));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("needs an init image"), std::string::npos) << r.output;
  write_image_file(temp("small.png"), Image::blank(32, 32, 3));
  r = run_generate(
      model_args({"-p", "x", "-W", "64", "-H", "64", "-i", init(), "--mask", temp("small.png")}));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("mask size 32x32 must equal the init image size 64x64"),
            std::string::npos)
      << r.output;
  r = run_generate(
      model_args({"-p", "x", "-W", "64", "-H", "64", "-i", init(), "--mask", "/nonexistent.png"}));
  EXPECT_EQ(r.status, 4) << r.output;
}

TEST_F(CliInpaintTest, InpaintsAndReRunsFromThePngWithTheMaskGivenAgain) {
  const std::string first = temp("inpaint.png");
  const CliResult a = run_generate(
      model_args({"-p", "a red door", "-W", "64", "-H", "64", "--steps", "2", "-s", "3",
                  "--strength", "0.9", "-i", init(), "--mask", mask(), "-o", first}));
  ASSERT_EQ(a.status, 0) << a.output;
  const std::string text = read_png_text(file_bytes(first)).at("parameters");
  const A1111Parameters parsed = parse_a1111_parameters(text);
  EXPECT_EQ(parsed.get("Denoising strength"), "0.9");
  EXPECT_EQ(parsed.get("Mask blur"), "0");

  // Without the mask the run cannot be reproduced: refused rather than run as plain img2img.
  const CliResult no_mask =
      run_generate(model_args({"--from", first, "-i", init(), "-o", temp("never.png")}));
  EXPECT_EQ(no_mask.status, 2) << no_mask.output;
  EXPECT_NE(no_mask.output.find("inpainting run"), std::string::npos) << no_mask.output;
  EXPECT_FALSE(std::filesystem::exists(temp("never.png")));

  const std::string again = temp("again.png");
  const CliResult b =
      run_generate(model_args({"--from", first, "-i", init(), "--mask", mask(), "-o", again}));
  ASSERT_EQ(b.status, 0) << b.output;
  EXPECT_EQ(decode_image(file_bytes(again)).pixels, decode_image(file_bytes(first)).pixels);
  EXPECT_EQ(read_png_text(file_bytes(again)).at("parameters"), text);
}

TEST_F(CliInpaintTest, A1111InpaintFlagsAreCheckedBeforeLoading) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"--masked-content", "fill"}, "--masked-content needs --mask"},
      {{"--inpaint-area", "masked"}, "--inpaint-area needs --mask"},
      {{"--mask-overlay"}, "--mask-overlay needs --mask"},
      {{"-i", init(), "--mask", mask(), "--masked-content", "blur"},
       "unknown masked content 'blur': use fill, original, latent-noise or latent-nothing"},
      {{"-i", init(), "--mask", mask(), "--inpaint-area", "box"},
       "unknown inpaint area 'box': use whole or masked"},
      {{"--latent-mask", "a1111"}, "--latent-mask needs --mask"},
      {{"-i", init(), "--mask", mask(), "--latent-mask", "round"},
       "unknown latent mask 'round': use comfyui, a1111 or a1111-rounded"},
      {{"-i", init(), "--mask", mask(), "--inpaint-padding", "-1"},
       "inpaint padding -1 must be in 0..4096"},
  };
  for (const auto& [flags, message] : bad) {
    std::vector<std::string> a = model_args({"-p", "x", "-W", "64", "-H", "64"});
    a.insert(a.end(), flags.begin(), flags.end());
    a[1] = "/nonexistent-model.safetensors";  // refused before the model is looked at
    const CliResult r = run_generate(a);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
  }
}

// Only masked with latent nothing: the output keeps the init image's size, every pixel the mask
// does not touch is the input's, and the parameters chunk carries A1111's keys.
TEST_F(CliInpaintTest, OnlyMaskedRunKeepsUnmaskedPixelsAndRecordsA1111Keys) {
  const std::string out = temp("masked.png");
  const CliResult r = run_generate(model_args({"-p",
                                               "a red door",
                                               "-W",
                                               "64",
                                               "-H",
                                               "64",
                                               "--steps",
                                               "1",
                                               "-s",
                                               "3",
                                               "-i",
                                               init(),
                                               "--mask",
                                               mask(),
                                               "--inpaint-area",
                                               "masked",
                                               "--inpaint-padding",
                                               "4",
                                               "--masked-content",
                                               "latent-nothing",
                                               "-o",
                                               out}));
  ASSERT_EQ(r.status, 0) << r.output;
  const Image got = decode_image(file_bytes(out));
  const Image in = read_image_file(init());
  const Image m = read_image_file(mask());
  ASSERT_EQ(got.width, in.width);
  ASSERT_EQ(got.height, in.height);
  int kept = 0;
  for (std::size_t i = 0; i < got.pixels.size() / 3; ++i) {
    const auto ch = static_cast<std::size_t>(m.channels);
    if (m.pixels[i * ch] != 0 || m.pixels[i * ch + 1] != 0 || m.pixels[i * ch + 2] != 0) continue;
    ++kept;
    for (int c = 0; c < 3; ++c) ASSERT_EQ(got.pixels[i * 3 + c], in.pixels[i * 3 + c]) << i;
  }
  EXPECT_GT(kept, 500);
  const A1111Parameters parsed =
      parse_a1111_parameters(read_png_text(file_bytes(out)).at("parameters"));
  EXPECT_EQ(parsed.get("Inpaint area"), "Only masked");
  EXPECT_EQ(parsed.get("Masked area padding"), "4");
  EXPECT_EQ(parsed.get("Masked content"), "latent nothing");
}

}  // namespace
}  // namespace pixforge::pipeline
