// What the `pixforge generate` tests share: the real binary run directly (no shell, so paths
// need no quoting), the synthetic model's flags, and an output folder per test process.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "pipeline_fixture.h"
#include "testing/subprocess.h"

namespace pixforge::pipeline_test {

struct CliResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

// `pixforge generate <args...>`.
inline CliResult run_generate(std::vector<std::string> args) {
  args.insert(args.begin(), {PIXFORGE_CLI_PATH, "generate"});
  const testing::ProcessResult p = testing::run_process(args);
  return {p.status, p.out + p.err};
}

inline std::vector<std::uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class GenerateCliTest : public PipelineTest {
 protected:
  // The shared synthetic checkpoint, its vocabulary, f32 compute, then `more`.
  std::vector<std::string> model_args(std::initializer_list<std::string> more = {}) const {
    std::vector<std::string> a = {"-m",         checkpoint_path(), "--vocab",
                                  vocab_path(), "--type",          "f32"};
    a.insert(a.end(), more);
    return a;
  }
  // Outputs go to a folder of this test process, removed when the test ends.
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

}  // namespace pixforge::pipeline_test
