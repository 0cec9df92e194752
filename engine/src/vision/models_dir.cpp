// Model folder lookup (models_dir.h).
#include "pixforge/vision/models_dir.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace pixforge::vision {

std::string models_dir() {
  if (const char* env = std::getenv("PIXFORGE_MODELS"); env != nullptr && *env != '\0') return env;
  return "models";
}

std::string require_model_file(const std::string& relative, const std::string& group,
                               const std::string& dir) {
  const std::filesystem::path p = std::filesystem::path(dir.empty() ? models_dir() : dir) / relative;
  if (!std::filesystem::exists(p)) {
    throw std::runtime_error("model file " + p.string() + " is missing; install it with `pixforge models install " +
                             group + "` (or set PIXFORGE_MODELS)");
  }
  return p.string();
}

}  // namespace pixforge::vision
