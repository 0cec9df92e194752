// BlazeFace decoding and weighted NMS (faces.h).
#include "pixforge/vision/faces.h"

#include <algorithm>
#include <cmath>

#include "pixforge/image/convert.h"
#include "pixforge/tfjs/graph_model.h"
#include "pixforge/vision/models_dir.h"

namespace pixforge::vision {
namespace {

constexpr float kInput = 256.0f;

// One SSD head: `grid` x `grid` cells, `per_cell` anchors each (unit size, centred in the cell),
// regressors [dx, dy, w, h, 6 x (kx, ky)] in input pixels relative to the anchor centre.
void decode_head(const std::vector<float>& scores, const std::vector<float>& regs, int grid, int per_cell,
                 float min_score, std::vector<FaceBox>& out) {
  const std::size_t n = static_cast<std::size_t>(grid) * grid * per_cell;
  if (scores.size() != n || regs.size() != n * 16) {
    throw std::runtime_error("blazeface: unexpected output sizes for a " + std::to_string(grid) + "x" +
                             std::to_string(grid) + " head");
  }
  for (std::size_t i = 0; i < n; ++i) {
    const float logit = std::clamp(scores[i], -100.0f, 100.0f);
    const float score = 1.0f / (1.0f + std::exp(-logit));
    if (score < min_score) continue;
    const std::size_t cell = i / static_cast<std::size_t>(per_cell);
    const float ax = (static_cast<float>(cell % static_cast<std::size_t>(grid)) + 0.5f) / static_cast<float>(grid);
    const float ay = (static_cast<float>(cell / static_cast<std::size_t>(grid)) + 0.5f) / static_cast<float>(grid);
    const float* r = &regs[i * 16];
    const float cx = ax + r[0] / kInput, cy = ay + r[1] / kInput, w = r[2] / kInput, h = r[3] / kInput;
    FaceBox b;
    b.x0 = cx - w / 2;
    b.y0 = cy - h / 2;
    b.x1 = cx + w / 2;
    b.y1 = cy + h / 2;
    b.score = score;
    for (int k = 0; k < 6; ++k) b.keypoints[static_cast<std::size_t>(k)] = {ax + r[4 + 2 * k] / kInput, ay + r[5 + 2 * k] / kInput};
    out.push_back(b);
  }
}

}  // namespace

float iou(const FaceBox& a, const FaceBox& b) {
  const float ix = std::max(0.0f, std::min(a.x1, b.x1) - std::max(a.x0, b.x0));
  const float iy = std::max(0.0f, std::min(a.y1, b.y1) - std::max(a.y0, b.y0));
  const float inter = ix * iy;
  const float uni = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

std::vector<FaceBox> decode_blazeface(const std::vector<float>& scores16, const std::vector<float>& boxes16,
                                      const std::vector<float>& scores32, const std::vector<float>& boxes32,
                                      const FaceOptions& o) {
  std::vector<FaceBox> cand;
  decode_head(scores16, boxes16, 16, 2, o.min_score, cand);
  decode_head(scores32, boxes32, 8, 6, o.min_score, cand);
  std::sort(cand.begin(), cand.end(), [](const FaceBox& a, const FaceBox& b) { return a.score > b.score; });
  // Weighted NMS: each kept face is the score-weighted mean of everything overlapping the best
  // remaining candidate (steadier boxes than picking one anchor).
  std::vector<FaceBox> faces;
  std::vector<bool> used(cand.size(), false);
  for (std::size_t i = 0; i < cand.size() && static_cast<int>(faces.size()) < o.max_faces; ++i) {
    if (used[i]) continue;
    FaceBox sum{};
    float wsum = 0;
    for (std::size_t j = i; j < cand.size(); ++j) {
      if (used[j] || iou(cand[i], cand[j]) <= o.iou_threshold) continue;
      used[j] = true;
      const float w = cand[j].score;
      sum.x0 += w * cand[j].x0;
      sum.y0 += w * cand[j].y0;
      sum.x1 += w * cand[j].x1;
      sum.y1 += w * cand[j].y1;
      for (std::size_t k = 0; k < 6; ++k)
        for (std::size_t c = 0; c < 2; ++c) sum.keypoints[k][c] += w * cand[j].keypoints[k][c];
      wsum += w;
    }
    FaceBox f = sum;
    f.x0 /= wsum;
    f.y0 /= wsum;
    f.x1 /= wsum;
    f.y1 /= wsum;
    for (auto& kp : f.keypoints) kp = {kp[0] / wsum, kp[1] / wsum};
    f.score = cand[i].score;
    faces.push_back(f);
  }
  return faces;
}

FaceDetector::FaceDetector(Backend& backend, const std::string& dir) : backend_(&backend) {
  net_ = std::make_unique<tfjs::GraphModel>(
      tfjs::GraphModel::load(require_model_file("faces/blazeface.json", "faces", dir), backend));
}

FaceDetector::~FaceDetector() = default;

std::vector<FaceBox> FaceDetector::detect(const Image& image, const FaceOptions& o) const {
  const Image rgb = resize_image(image.channels == 4 ? to_rgb(image) : image, 256, 256, ResizeFilter::Area);
  const Tensor x = image_to_tensor(*backend_, rgb, PixelRange::MinusOneToOne);
  const auto outs = net_->run(x, {"Identity", "Identity_2", "Identity_1", "Identity_3"});
  std::vector<FaceBox> faces =
      decode_blazeface(outs[0].to_host(), outs[1].to_host(), outs[2].to_host(), outs[3].to_host(), o);
  const float w = static_cast<float>(image.width), h = static_cast<float>(image.height);
  for (auto& f : faces) {
    f.x0 *= w;
    f.x1 *= w;
    f.y0 *= h;
    f.y1 *= h;
    for (auto& kp : f.keypoints) kp = {kp[0] * w, kp[1] * h};
  }
  return faces;
}

}  // namespace pixforge::vision
