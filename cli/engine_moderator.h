// The service's ImageModerator on the engine's NSFW classifier (nsfwjs MobileNetV2 on the TF.js
// loader): where `pixforge serve` joins output moderation (P9) to the engine, as
// engine_generator.h does for generation.
#pragma once

#ifdef PIXFORGE_HAVE_SERVICE
#include <memory>

#include "pixforge/service/config.h"
#include "pixforge/service/moderator.h"

namespace pixforge::cli {

// Loads the classifier from settings.models_dir (empty: $PIXFORGE_MODELS, ./models, or the
// models/ folder of the checkout the binary was built in) and
// flags at the configured thresholds. Throws naming the missing file (and how to install it)
// when the weights are absent, so `pixforge serve` fails at start-up, not at the first job.
std::unique_ptr<service::ImageModerator> make_engine_moderator(
    const service::ModerationSettings& settings);

}  // namespace pixforge::cli
#endif  // PIXFORGE_HAVE_SERVICE
