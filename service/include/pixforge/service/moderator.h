// The second seam between the service and the engine (beside Generator): the worker asks an
// ImageModerator to score every generated image before it is stored as a visible output (P9).
// The engine-backed implementation (the nsfwjs classifier) lives in cli/engine_moderator.cpp;
// the service stays free of the heavy engine.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pixforge/service/generator.h"

namespace pixforge::service {

struct ModerationScore {
  bool flagged = false;  // the implementation's thresholds were reached
  std::string top;       // the most probable class
  std::vector<std::pair<std::string, double>> probabilities;  // class -> probability
};

class ImageModerator {
 public:
  virtual ~ImageModerator() = default;
  virtual std::string name() const = 0;  // for the start-up log line
  // Scores one image. Throws std::exception when it cannot: the worker then fails the job
  // rather than store an unscored image.
  virtual ModerationScore score(const Image& image) = 0;
};

}  // namespace pixforge::service
