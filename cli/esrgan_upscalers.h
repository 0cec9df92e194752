// The vision area's ESRGAN models (@upscalerjs RDN slim / medium, RRDN thick, each x2, x3, x4,
// x8) as hires-fix upscalers named "ESRGAN <model> x<scale>", for `pixforge generate` and the
// server. The pipeline cannot depend on the vision area (it comes later in the build order), so
// they reach it as GenerateOptions::upscalers.
#pragma once

#include <string>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/pipeline/hires_fix.h"

namespace pixforge::cli {

// Every ESRGAN upscaler name, or only those whose model files are installed.
std::vector<std::string> esrgan_upscaler_names(bool installed_only);

// The upscalers by name; each model loads on its first use, on `backend`.
pipeline::ModelUpscalers esrgan_upscalers(Backend& backend, bool installed_only);

// Throws std::runtime_error naming the missing file and `pixforge models install upscaler`
// when `name` is an ESRGAN upscaler whose model is not installed; nothing for other names.
void require_esrgan_installed(const std::string& name);

}  // namespace pixforge::cli
