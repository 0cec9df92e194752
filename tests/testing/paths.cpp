#include "testing/paths.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace pixforge::testing {
namespace {
std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : std::string(fallback);
}
}  // namespace

std::string shared_data_dir() { return env_or("PIXFORGE_SHARED_DATA", PIXFORGE_DEFAULT_SHARED_DATA); }
std::string golden_dir() { return env_or("PIXFORGE_GOLDEN_DIR", PIXFORGE_DEFAULT_GOLDEN_DIR); }

std::string shared_data_path(const std::string& relative) {
  std::string p = shared_data_dir() + "/" + relative;
  if (!std::filesystem::exists(p)) {
    ADD_FAILURE() << "shared test data missing: " << p
                  << " (set PIXFORGE_SHARED_DATA to the shared/data folder)";
  }
  return p;
}

std::string golden_path(const std::string& relative) {
  std::string p = golden_dir() + "/" + relative;
  if (!std::filesystem::exists(p)) {
    ADD_FAILURE() << "golden file missing: " << p << " (regenerate with tools/reference/)";
  }
  return p;
}

}  // namespace pixforge::testing
