// `pixforge generate` with the variation-seed and hires-fix flags: the real binary on the
// synthetic checkpoint (64x64 -> 80x80, 1 + 1 steps), its A1111 infotext, and --from re-running
// it to the same pixels.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_fixture.h"
#include "pixforge/image/a1111_parameters.h"
#include "pixforge/image/codec.h"

namespace pixforge::pipeline {
namespace {

using pipeline_test::file_bytes;
using pipeline_test::run_generate;
using Result = pipeline_test::CliResult;

class CliHiresTest : public pipeline_test::GenerateCliTest {};

TEST_F(CliHiresTest, BadValuesAreRefusedBeforeLoadingAndHelpListsTheFlags) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--hires-upscaler", "ESRGAN_4x"}, "hires upscaler 'ESRGAN_4x'"},
      {{"--hires-resize", "12xabc"}, "--hires-resize '12xabc'"},
      {{"--hires-denoise", "0"}, "hires denoising strength"},
      {{"--subseed-strength", "2"}, "subseed strength"},
      {{"--seed-resize-from", "4x64"}, "seed resize from width 4"},
      {{"-i", "/nonexistent.png", "--hires"}, ""}};  // image error first: status 4
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> args = {"-m", checkpoint_path(), "-p", "x", "-W", "64", "-H", "64"};
    args.insert(args.end(), flags.begin(), flags.end());
    const Result r = run_generate(args);
    if (message.empty()) {
      EXPECT_EQ(r.status, 4) << r.output;
      continue;
    }
    EXPECT_EQ(r.status, 2) << flags.front() << ": " << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
  }
  const Result help = run_generate({"--help"});
  for (const char* flag :
       {"--subseed", "--subseed-strength", "--seed-resize-from", "--hires", "--hires-scale",
        "--hires-resize", "--hires-steps", "--hires-denoise", "--hires-upscaler", "--hires-sampler",
        "--hires-scheduler", "--hires-prompt", "--hires-negative-prompt",
        "Latent (bicubic antialiased)", "Lanczos", "ESRGAN medium x4"}) {
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  }
}

// An ESRGAN upscaler whose model is not installed fails before the checkpoint loads, naming
// the file and the install command.
TEST_F(CliHiresTest, EsrganUpscalerNotInstalledIsAClearError) {
  const std::string empty = temp("no_models");
  std::filesystem::create_directories(empty);
  testing::ProcessOptions options;
  options.env = {{"PIXFORGE_MODELS", empty}};
  const testing::ProcessResult r = testing::run_process(
      {PIXFORGE_CLI_PATH, "generate", "-m", checkpoint_path(), "-p", "x", "-W", "64", "-H", "64",
       "--hires-upscaler", "ESRGAN slim x2", "-o", temp("never.png")},
      options);
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("pixforge models install upscaler"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(temp("never.png")));
}

TEST_F(CliHiresTest, HiresAndVariationRunAndReRunFromThePng) {
  const std::string first = temp("hires.png"), again = temp("again.png");
  const Result r = run_generate(model_args({"-p",
                                            "a red door",
                                            "-W",
                                            "64",
                                            "-H",
                                            "64",
                                            "--steps",
                                            "1",
                                            "-s",
                                            "9",
                                            "--subseed",
                                            "3",
                                            "--subseed-strength",
                                            "0.4",
                                            "--seed-resize-from",
                                            "72x56",
                                            "--hires-scale",
                                            "1.25",
                                            "--hires-steps",
                                            "1",
                                            "--hires-denoise",
                                            "0.5",
                                            "--hires-upscaler",
                                            "Latent (nearest)",
                                            "--hires-sampler",
                                            "euler_ancestral",
                                            "-o",
                                            first}));
  ASSERT_EQ(r.status, 0) << r.output;
  const Image image = read_image_file(first);
  EXPECT_EQ(image.width, 80);
  EXPECT_EQ(image.height, 80);
  const auto text = read_png_text(file_bytes(first));
  ASSERT_EQ(text.count("parameters"), 1u);
  const A1111Parameters a = parse_a1111_parameters(text.at("parameters"));
  EXPECT_EQ(a.get("Size"), "64x64");
  EXPECT_EQ(a.get("Variation seed"), "3");
  EXPECT_EQ(a.get("Variation seed strength"), "0.4");
  EXPECT_EQ(a.get("Seed resize from"), "72x56");
  EXPECT_EQ(a.get("Denoising strength"), "0.5");
  EXPECT_EQ(a.get("Hires upscale"), "1.25");
  EXPECT_EQ(a.get("Hires steps"), "1");
  EXPECT_EQ(a.get("Hires upscaler"), "Latent (nearest)");
  EXPECT_EQ(a.get("Hires sampler"), "Euler a");

  const Result re = run_generate(model_args({"--from", first, "-o", again}));
  ASSERT_EQ(re.status, 0) << re.output;
  EXPECT_EQ(read_image_file(again).pixels, image.pixels);
  EXPECT_EQ(read_png_text(file_bytes(again)).at("parameters"), text.at("parameters"));
}

}  // namespace
}  // namespace pixforge::pipeline
