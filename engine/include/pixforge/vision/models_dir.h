// Where the vision models live: $PIXFORGE_MODELS, else ./models (scripts/install-models
// puts them there). Paths are checked on use, with an error that names the missing file and
// the command that installs it.
#pragma once

#include <string>

namespace pixforge::vision {

std::string models_dir();
// `relative` under models_dir() (or `dir` when not empty); throws std::runtime_error naming the
// path and `pixforge models install <group>` when it does not exist.
std::string require_model_file(const std::string& relative, const std::string& group,
                               const std::string& dir = "");

}  // namespace pixforge::vision
