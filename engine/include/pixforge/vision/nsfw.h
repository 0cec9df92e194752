// Output moderation (P9): the nsfwjs MobileNetV2 classifier (224x224 RGB in 0-1, five classes)
// with operator-configurable thresholds.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "pixforge/core/backend.h"
#include "pixforge/image/image.h"

namespace pixforge::tfjs {
class LayersModel;
}

namespace pixforge::vision {

// nsfwjs's class order.
enum class NsfwClass { Drawing, Hentai, Neutral, Porn, Sexy };
inline constexpr int kNsfwClasses = 5;
std::string_view nsfw_class_name(NsfwClass c);

// An image is flagged when any of these probabilities is reached.
struct ModerationThresholds {
  float porn = 0.5f;
  float hentai = 0.5f;
  float sexy = 0.7f;
};

struct ModerationResult {
  std::array<float, kNsfwClasses> probabilities{};  // in NsfwClass order
  NsfwClass top = NsfwClass::Neutral;
  bool flagged = false;
};

class NsfwClassifier {
 public:
  // Loads models/nsfw/mobilenet_v2/model.json from `models_dir` (default: models_dir()).
  explicit NsfwClassifier(Backend& backend, const std::string& models_dir = "");
  ~NsfwClassifier();

  // Probabilities for an NHWC [1, 224, 224, 3] tensor in 0-1.
  std::array<float, kNsfwClasses> classify_tensor(const Tensor& x) const;
  // Resizes to 224x224 (area filter), scales to 0-1, classifies, applies the thresholds.
  ModerationResult classify(const Image& image, const ModerationThresholds& t = {}) const;

 private:
  Backend* backend_;
  std::unique_ptr<tfjs::LayersModel> net_;
};

ModerationResult decide(const std::array<float, kNsfwClasses>& p, const ModerationThresholds& t);

}  // namespace pixforge::vision
