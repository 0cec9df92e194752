// nsfwjs classification (nsfw.h).
#include "pixforge/vision/nsfw.h"

#include <algorithm>
#include <stdexcept>

#include "pixforge/image/convert.h"
#include "pixforge/tfjs/graph_model.h"
#include "pixforge/tfjs/layers_model.h"
#include "pixforge/vision/models_dir.h"

namespace pixforge::vision {

std::string_view nsfw_class_name(NsfwClass c) {
  switch (c) {
    case NsfwClass::Drawing:
      return "Drawing";
    case NsfwClass::Hentai:
      return "Hentai";
    case NsfwClass::Neutral:
      return "Neutral";
    case NsfwClass::Porn:
      return "Porn";
    case NsfwClass::Sexy:
      return "Sexy";
  }
  return "Neutral";
}

std::string_view nsfw_model_name(NsfwModel m) {
  switch (m) {
    case NsfwModel::MobileNetV2:
      return "mobilenet";
    case NsfwModel::MobileNetV2Mid:
      return "mid";
    case NsfwModel::InceptionV3:
      return "inception";
  }
  return "mobilenet";
}

NsfwModel parse_nsfw_model(std::string_view name) {
  for (auto m : {NsfwModel::MobileNetV2, NsfwModel::MobileNetV2Mid, NsfwModel::InceptionV3}) {
    if (nsfw_model_name(m) == name) return m;
  }
  throw std::invalid_argument("unknown NSFW model \"" + std::string(name) +
                              "\" (mobilenet, mid, inception)");
}

NsfwClassifier::NsfwClassifier(Backend& backend, const std::string& dir)
    : NsfwClassifier(backend, NsfwModel::MobileNetV2, dir) {}

NsfwClassifier::NsfwClassifier(Backend& backend, NsfwModel model, const std::string& dir)
    : backend_(&backend), model_(model) {
  static const char* kFolders[] = {"mobilenet_v2", "mobilenet_v2_mid", "inception_v3"};
  const std::string path = require_model_file(
      std::string("nsfw/") + kFolders[static_cast<int>(model)] + "/model.json", "nsfw", dir);
  if (model == NsfwModel::MobileNetV2Mid) {
    graph_ = std::make_unique<tfjs::GraphModel>(tfjs::GraphModel::load(path, backend));
  } else {
    net_ = std::make_unique<tfjs::LayersModel>(tfjs::LayersModel::load(path, backend));
  }
}

NsfwClassifier::~NsfwClassifier() = default;

std::array<float, kNsfwClasses> NsfwClassifier::classify_tensor(const Tensor& x) const {
  const int n = input_size();
  if (x.rank() != 4 || x.dim(0) != 1 || x.dim(1) != n || x.dim(2) != n || x.dim(3) != 3) {
    throw std::invalid_argument("nsfw: input must be [1, " + std::to_string(n) + ", " +
                                std::to_string(n) + ", 3], got " + x.shape().str());
  }
  // The graph-model's output node is "Identity" (after its Softmax).
  const std::vector<float> p =
      graph_ ? graph_->run(x, {"Identity"})[0].to_host() : net_->run(x).to_host();
  if (p.size() != kNsfwClasses) throw std::runtime_error("nsfw: model did not return 5 classes");
  std::array<float, kNsfwClasses> out{};
  std::copy(p.begin(), p.end(), out.begin());
  return out;
}

ModerationResult decide(const std::array<float, kNsfwClasses>& p, const ModerationThresholds& t) {
  ModerationResult r;
  r.probabilities = p;
  r.top = static_cast<NsfwClass>(std::max_element(p.begin(), p.end()) - p.begin());
  r.flagged = p[static_cast<int>(NsfwClass::Porn)] >= t.porn ||
              p[static_cast<int>(NsfwClass::Hentai)] >= t.hentai ||
              p[static_cast<int>(NsfwClass::Sexy)] >= t.sexy;
  return r;
}

ModerationResult NsfwClassifier::classify(const Image& image, const ModerationThresholds& t) const {
  const int n = input_size();
  const Image rgb =
      resize_image(image.channels == 4 ? to_rgb(image) : image, n, n, ResizeFilter::Area);
  const Tensor x = image_to_tensor(*backend_, rgb, PixelRange::ZeroToOne);
  return decide(classify_tensor(x.reshape(Shape{1, n, n, 3})), t);
}

}  // namespace pixforge::vision
