// The service's Generator on the engine's public pipeline: where `pixforge serve` joins the
// two libraries (the service itself never includes an engine header).
#pragma once

#ifdef PIXFORGE_HAVE_SERVICE
#include <memory>
#include <string>

#include "pixforge/service/generator.h"

namespace pixforge::cli {

// Loads the checkpoint once (bf16 compute, all cores) and runs every job on it. Throws the
// engine's model errors (ModelFormatError, UnsupportedModelError, VocabularyError) when the
// model cannot be loaded, so `pixforge serve --model` fails at start-up, not at the first job.
std::unique_ptr<service::Generator> make_engine_generator(const std::string& model_path);

}  // namespace pixforge::cli
#endif  // PIXFORGE_HAVE_SERVICE
