// A1111's short model hash: the first 10 hex digits of the file's SHA-256 (the value
// `sha256sum` prints), streamed in 1 MiB pieces; a missing file is a clear model error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "pixforge/pipeline/model.h"

namespace pixforge::pipeline {
namespace {

std::filesystem::path write_temp(const std::string& name, const std::string& bytes) {
  const auto path =
      std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(ModelHash, IsTheFirstTenHexDigitsOfSha256) {
  // sha256sum of "pixforge model hash test\n" = 2600118726dc5743c2fb…
  const auto small = write_temp("hash_small", "pixforge model hash test\n");
  EXPECT_EQ(a1111_short_hash(small.string()), "2600118726");
  // Longer than one read buffer, so the streaming path is covered: SHA-256 of 3 MiB of 'a'.
  const auto big = write_temp("hash_big", std::string(3u << 20, 'a'));
  EXPECT_EQ(a1111_short_hash(big.string()), "6f850bc94a");
  std::filesystem::remove(small);
  std::filesystem::remove(big);
}

TEST(ModelHash, MissingFileIsAModelError) {
  EXPECT_THROW(a1111_short_hash("/nonexistent/model.safetensors"), ModelFormatError);
}

}  // namespace
}  // namespace pixforge::pipeline
