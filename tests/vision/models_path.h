// Where tests find the installed vision models: $PIXFORGE_MODELS, else the repository's
// ./models (CI runs scripts/setup, which installs them). A missing model is a test failure
// naming the path and the install command, never a skip.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace pixforge::testing {

inline std::string models_dir() {
  const char* env = std::getenv("PIXFORGE_MODELS");
  return env != nullptr && *env != '\0' ? env : PIXFORGE_TEST_MODELS_DIR;
}

inline bool have_model(const std::string& relative, const std::string& group) {
  const std::string p = models_dir() + "/" + relative;
  if (std::filesystem::exists(p)) return true;
  ADD_FAILURE() << "missing model " << p << ": run `scripts/install-models " << group << "`";
  return false;
}

}  // namespace pixforge::testing
