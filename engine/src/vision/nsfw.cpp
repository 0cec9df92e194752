// nsfwjs classification (nsfw.h).
#include "pixforge/vision/nsfw.h"

#include <algorithm>
#include <stdexcept>

#include "pixforge/image/convert.h"
#include "pixforge/tfjs/layers_model.h"
#include "pixforge/vision/models_dir.h"

namespace pixforge::vision {

std::string_view nsfw_class_name(NsfwClass c) {
  switch (c) {
    case NsfwClass::Drawing: return "Drawing";
    case NsfwClass::Hentai: return "Hentai";
    case NsfwClass::Neutral: return "Neutral";
    case NsfwClass::Porn: return "Porn";
    case NsfwClass::Sexy: return "Sexy";
  }
  return "Neutral";
}

NsfwClassifier::NsfwClassifier(Backend& backend, const std::string& dir) : backend_(&backend) {
  net_ = std::make_unique<tfjs::LayersModel>(tfjs::LayersModel::load(
      require_model_file("nsfw/mobilenet_v2/model.json", "nsfw", dir), backend));
}

NsfwClassifier::~NsfwClassifier() = default;

std::array<float, kNsfwClasses> NsfwClassifier::classify_tensor(const Tensor& x) const {
  if (x.rank() != 4 || x.dim(0) != 1 || x.dim(1) != 224 || x.dim(2) != 224 || x.dim(3) != 3) {
    throw std::invalid_argument("nsfw: input must be [1, 224, 224, 3], got " + x.shape().str());
  }
  const std::vector<float> p = net_->run(x).to_host();
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
  const Image rgb = resize_image(image.channels == 4 ? to_rgb(image) : image, 224, 224, ResizeFilter::Area);
  const Tensor x = image_to_tensor(*backend_, rgb, PixelRange::ZeroToOne);
  return decide(classify_tensor(x.reshape(Shape{1, 224, 224, 3})), t);
}

}  // namespace pixforge::vision
