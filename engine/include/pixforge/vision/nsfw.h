// Output moderation (P9): the nsfwjs 4.4.0 classifiers (RGB in 0-1, five classes) with
// operator-configurable thresholds: MobileNetV2 (layers-model, uint8, 224x224; the default),
// MobileNetV2-mid (graph-model, 224x224) and InceptionV3 (layers-model, 299x299).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "pixforge/core/backend.h"
#include "pixforge/image/image.h"

namespace pixforge::tfjs {
class LayersModel;
class GraphModel;
}  // namespace pixforge::tfjs

namespace pixforge::vision {

// nsfwjs's class order.
enum class NsfwClass { Drawing, Hentai, Neutral, Porn, Sexy };
inline constexpr int kNsfwClasses = 5;
std::string_view nsfw_class_name(NsfwClass c);

enum class NsfwModel { MobileNetV2, MobileNetV2Mid, InceptionV3 };
// "mobilenet", "mid", "inception" (the CLI's names).
std::string_view nsfw_model_name(NsfwModel m);
NsfwModel parse_nsfw_model(std::string_view name);  // throws std::invalid_argument naming the value

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
  // Loads the chosen model (models/nsfw/{mobilenet_v2,mobilenet_v2_mid,inception_v3}/).
  NsfwClassifier(Backend& backend, NsfwModel model, const std::string& models_dir = "");
  ~NsfwClassifier();

  NsfwModel model() const { return model_; }
  int input_size() const { return model_ == NsfwModel::InceptionV3 ? 299 : 224; }

  // Probabilities for an NHWC [1, S, S, 3] tensor in 0-1 (S = input_size()).
  std::array<float, kNsfwClasses> classify_tensor(const Tensor& x) const;
  // Resizes to S x S (area filter), scales to 0-1, classifies, applies the thresholds.
  ModerationResult classify(const Image& image, const ModerationThresholds& t = {}) const;

 private:
  Backend* backend_;
  NsfwModel model_ = NsfwModel::MobileNetV2;
  std::unique_ptr<tfjs::LayersModel> net_;
  std::unique_ptr<tfjs::GraphModel> graph_;  // MobileNetV2-mid
};

ModerationResult decide(const std::array<float, kNsfwClasses>& p, const ModerationThresholds& t);

}  // namespace pixforge::vision
