// Facemesh landmarks on aligned crops (facemesh.h).
#include "pixforge/vision/facemesh.h"

#include <stdexcept>

#include "pixforge/tfjs/graph_model.h"
#include "pixforge/vision/models_dir.h"

namespace pixforge::vision {
namespace {

// MediaPipe face-mesh indices of the eye corners: subject's right eye 33 (outer) / 133 (inner),
// left eye 362 (inner) / 263 (outer).
constexpr int kRightEye[2] = {33, 133};
constexpr int kLeftEye[2] = {362, 263};

}  // namespace

std::array<std::array<float, 2>, 2> mesh_eye_centres(const FaceLandmarks& lm) {
  if (lm.points.size() != kMeshPoints)
    throw std::invalid_argument("facemesh: expected 468 landmarks");
  auto mid = [&](const int(&idx)[2]) -> std::array<float, 2> {
    const auto& a = lm.points[static_cast<std::size_t>(idx[0])];
    const auto& b = lm.points[static_cast<std::size_t>(idx[1])];
    return {(a[0] + b[0]) / 2, (a[1] + b[1]) / 2};
  };
  return {mid(kRightEye), mid(kLeftEye)};
}

FaceMesh::FaceMesh(Backend& backend, const std::string& dir) : backend_(&backend) {
  net_ = std::make_unique<tfjs::GraphModel>(
      tfjs::GraphModel::load(require_model_file("faces/facemesh.json", "faces", dir), backend));
}

FaceMesh::~FaceMesh() = default;

FaceMesh::Raw FaceMesh::run_crop(const Tensor& x) const {
  if (x.rank() != 4 || x.dim(0) != 1 || x.dim(1) != kMeshInput || x.dim(2) != kMeshInput ||
      x.dim(3) != 3) {
    throw std::invalid_argument("facemesh: input must be [1, 192, 192, 3], got " + x.shape().str());
  }
  // Identity_2: mesh [1, 1404]; Identity_1: face flag [1, 1] (already a probability).
  const auto outs = net_->run(x, {"Identity_2", "Identity_1"});
  Raw r;
  r.mesh = outs[0].to_host();
  const std::vector<float> flag = outs[1].to_host();
  if (r.mesh.size() != 3 * kMeshPoints || flag.size() != 1)
    throw std::runtime_error("facemesh: unexpected output sizes");
  r.face_score = flag[0];
  return r;
}

FaceLandmarks FaceMesh::landmarks(const Image& image, const FaceBox& face) const {
  FaceLandmarks lm;
  lm.alignment = align_from_detection(face, kMeshInput);
  std::vector<float> crop = crop_face_rgb(image, lm.alignment);
  for (float& v : crop) v /= 255.0f;
  const Raw r = run_crop(Tensor::from_host(*backend_, Shape{1, kMeshInput, kMeshInput, 3}, crop));
  lm.face_score = r.face_score;
  lm.points.resize(kMeshPoints);
  const float s = lm.alignment.scale();
  for (std::size_t i = 0; i < kMeshPoints; ++i) {
    const auto p = lm.alignment.to_image(r.mesh[3 * i], r.mesh[3 * i + 1]);
    lm.points[i] = {p[0], p[1], r.mesh[3 * i + 2] * s};
  }
  return lm;
}

FaceAlignment align_from_landmarks(const FaceLandmarks& lm, int crop_size) {
  const auto eyes = mesh_eye_centres(lm);
  return align_from_eyes(eyes[0], eyes[1], crop_size);
}

}  // namespace pixforge::vision
