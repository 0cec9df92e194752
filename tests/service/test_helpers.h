// Shared helpers for the service tests: a fresh temporary data directory per test.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "pixforge/service/crypto.h"

namespace pixforge::service::testing {

// A unique empty directory, removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    const auto base = std::filesystem::temp_directory_path();
    path_ = (base / ("pixforge-service-" + random_token(9))).string();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline Key test_key(std::uint8_t fill) {
  Key k;
  k.fill(fill);
  return k;
}

// True when `needle` occurs anywhere in any file under `dir` (the plaintext scan).
inline bool any_file_contains(const std::string& dir, const std::string& needle) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace pixforge::service::testing
