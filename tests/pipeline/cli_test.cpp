// `pixforge generate` as a user runs it: exit statuses, early refusal of bad sizes, outputs with
// the parameters chunk, and --from re-running an image to the same pixels.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "pipeline_fixture.h"
#include "pixforge/image/a1111_parameters.h"
#include "pixforge/image/codec.h"
#include "testing/subprocess.h"

namespace pixforge::pipeline {
namespace {

using pipeline_test::PipelineTest;

struct Result {
  int status = -1;
  std::string output;  // stdout and stderr
};

// `pixforge generate <args...>`, run directly (no shell, so paths need no quoting).
Result run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), {PIXFORGE_CLI_PATH, "generate"});
  const testing::ProcessResult p = testing::run_process(args);
  return {p.status, p.out + p.err};
}

std::vector<std::uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class CliTest : public PipelineTest {
 protected:
  std::vector<std::string> model_args() const {
    return {"-m", checkpoint_path(), "--vocab", vocab_path(), "--type", "f32"};
  }
  std::vector<std::string> base_args(std::initializer_list<std::string> more = {}) const {
    std::vector<std::string> a = model_args();
    a.insert(a.end(), {"-W", "64", "-H", "64", "--steps", "2"});
    a.insert(a.end(), more);
    return a;
  }
  // Outputs go to a directory of this test process, removed when the test ends.
  std::string temp(const std::string& name) const {
    std::filesystem::create_directories(out_dir_);
    return (out_dir_ / name).string();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(out_dir_, ec);
  }

 private:
  std::filesystem::path out_dir_ = std::filesystem::path(checkpoint_path()).parent_path() /
                                   ("cli_" + std::to_string(::getpid()));
};

TEST_F(CliTest, HugeSizeIsRefusedBeforeLoading) {
  const auto t0 = std::chrono::steady_clock::now();
  const Result r = run_cli(
      {"-m", checkpoint_path(), "-p", "x", "-W", "100000", "-H", "64", "-o", temp("never.png")});
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("width 100000"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(temp("never.png")));
  // Not a timing assertion: loading the model takes seconds, so an answer this fast shows the
  // check ran first. Printed for the log only.
  std::printf("refused in %.3f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

TEST_F(CliTest, ErrorsHaveDistinctStatuses) {
  EXPECT_EQ(
      run_cli({"-m", "/nonexistent/model.safetensors", "-p", "x", "-W", "64", "-H", "64"}).status,
      3);
  EXPECT_EQ(run_cli(base_args({"--sampler", "nope"})).status, 2);
  EXPECT_EQ(run_cli(base_args({"-i", "/nonexistent.png"})).status, 4);
  EXPECT_EQ(run_cli(base_args({"--from", "/nonexistent.png"})).status, 4);
  const Result help = run_cli({"--help"});
  EXPECT_EQ(help.status, 0);
  for (const char* flag : {"--model",      "--prompt",      "--negative-prompt",
                           "--width",      "--height",      "--steps",
                           "--cfg-scale",  "--seed",        "--sampler",
                           "--scheduler",  "--batch-count", "--batch-size",
                           "--init-image", "--strength",    "--rng",
                           "--prediction", "--threads",     "--type",
                           "--vocab",      "--output",      "--from"}) {
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  }
}

TEST_F(CliTest, FromReRunsAnImageExactly) {
  const std::string first = temp("first.png");
  const Result a =
      run_cli(base_args({"-p", "a red, round: apple", "-n", "blurry", "-s", "5", "--sampler",
                         "euler_ancestral", "--scheduler", "karras", "-b", "2", "-o", first}));
  ASSERT_EQ(a.status, 0) << a.output;
  ASSERT_TRUE(std::filesystem::exists(temp("first_1.png")));  // batch count 2 -> two files
  EXPECT_NE(a.output.find("step 2/2"), std::string::npos) << a.output;  // plain progress lines

  const std::string again = temp("again.png");
  std::vector<std::string> from = model_args();
  from.insert(from.end(), {"--from", first, "-o", again});
  const Result b = run_cli(from);
  ASSERT_EQ(b.status, 0) << b.output;
  EXPECT_EQ(decode_image(file_bytes(again)).pixels, decode_image(file_bytes(first)).pixels);
  const auto text_a = read_png_text(file_bytes(first)).at("parameters");
  const auto text_b = read_png_text(file_bytes(again)).at("parameters");
  EXPECT_EQ(text_a, text_b);
  const A1111Parameters parsed = parse_a1111_parameters(text_a);
  EXPECT_EQ(parsed.prompt, "a red, round: apple");
  EXPECT_EQ(parsed.get("Sampler"), "Euler a");
  EXPECT_EQ(parsed.get("Seed"), "5");

  // The second image of the batch carries seed 6; an explicit flag overrides --from.
  EXPECT_EQ(parse_a1111_parameters(read_png_text(file_bytes(temp("first_1.png"))).at("parameters"))
                .get("Seed"),
            "6");
  const std::string over = temp("override.png");
  std::vector<std::string> from6 = model_args();
  from6.insert(from6.end(), {"--from", first, "-s", "6", "-o", over});
  const Result c = run_cli(from6);
  ASSERT_EQ(c.status, 0) << c.output;
  EXPECT_EQ(decode_image(file_bytes(over)).pixels,
            decode_image(file_bytes(temp("first_1.png"))).pixels);
}

}  // namespace
}  // namespace pixforge::pipeline
