// Facemesh landmarks and aligned face crops (P3: in memory only) against TF.js
// (tools/reference/tfjs_facemesh.mjs): the network on the same crop, the crop itself
// (tf.image.transform), and the whole pipeline on the astronaut photo.
#include "pixforge/vision/facemesh.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "models_path.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::vision {
namespace {

constexpr int kGoldenVersion = 1;

pixforge::testing::Golden golden() {
  return pixforge::testing::load_golden(
      pixforge::testing::golden_path("vision/facemesh.safetensors"), kGoldenVersion);
}

// The detection TF.js framed its crop from: box and the two eye keypoints, in pixels.
FaceBox reference_detection(const pixforge::testing::Golden& g) {
  const auto& b = g.at("box").values;
  const auto& e = g.at("eyes").values;
  FaceBox f;
  f.x0 = b[0];
  f.y0 = b[1];
  f.x1 = b[2];
  f.y1 = b[3];
  f.keypoints[0] = {e[0], e[1]};
  f.keypoints[1] = {e[2], e[3]};
  return f;
}

// F32 compute on TF.js's own crop: mesh coordinates (crop pixels, 0-192) within 2e-3 px
// (measured 4e-5), the face probability within 1e-4 (same fp16 weights; only summation order
// differs over ~90 layers).
TEST(VisionFaceMesh, P3_matches_tfjs_on_the_same_crop) {
  if (!pixforge::testing::have_model("faces/facemesh.json", "faces")) return;
  auto backend = make_cpu_backend({.compute_type = DType::F32, .threads = 0});
  const FaceMesh mesh(*backend, pixforge::testing::models_dir());
  const auto g = golden();
  const auto r =
      mesh.run_crop(Tensor::from_host(*backend, Shape{1, 192, 192, 3}, g.at("crop").values));
  const auto d = pixforge::testing::compare(r.mesh, g.at("mesh").values);
  std::printf("[ facemesh ] raw mesh max|d| %.2e px, face score %.4f (TF.js %.4f)\n", d.max_abs,
              r.face_score, g.at("faceflag").values[0]);
  EXPECT_TRUE(pixforge::testing::all_close(r.mesh, g.at("mesh").values, 2e-3, 0.0));
  EXPECT_NEAR(r.face_score, g.at("faceflag").values[0], 1e-4);
}

// The alignment and the bilinear crop agree with tf.image.transform on the same detection:
// values in 0-1 within 1e-3 (the golden crop is stored as float16: 2.4e-4 at most).
TEST(VisionFaceMesh, P3_crop_matches_tf_image_transform) {
  const auto g = golden();
  const FaceAlignment a = align_from_detection(reference_detection(g), kMeshInput);
  const auto& ref = g.at("alignment").values;
  EXPECT_NEAR(a.center_x, ref[0], 1e-3);
  EXPECT_NEAR(a.center_y, ref[1], 1e-3);
  EXPECT_NEAR(a.side, ref[2], 1e-3);
  EXPECT_NEAR(a.angle, ref[3], 1e-5);
  const Image img = read_image_file(pixforge::testing::shared_data_path("images/astronaut.png"));
  std::vector<float> crop = crop_face_rgb(img, a);
  for (float& v : crop) v /= 255.0f;
  EXPECT_TRUE(pixforge::testing::all_close(crop, g.at("crop").values, 1e-3, 0.0));
}

// Production path (bf16 compute, the engine's own detection on its area-filtered detector
// input, the alignment, the crop, facemesh, the mapping back): every landmark within 1 px of
// TF.js's and 0.3 px on average (measured 0.33 / 0.14 px; f32: 0.16 / 0.07 px) on a 512x512
// photo whose face is ~100 px wide. The detections differ by ~0.1 px and bf16 rounds
// activations to 8 significant bits.
TEST(VisionFaceMesh, P3_astronaut_landmarks_match_tfjs) {
  if (!pixforge::testing::have_model("faces/facemesh.json", "faces")) return;
  auto backend = make_cpu_backend({.compute_type = DType::BF16, .threads = 0});
  const FaceDetector det(*backend, pixforge::testing::models_dir());
  const FaceMesh mesh(*backend, pixforge::testing::models_dir());
  const Image img = read_image_file(pixforge::testing::shared_data_path("images/astronaut.png"));
  const auto faces = det.detect(img);
  ASSERT_EQ(faces.size(), 1u);
  const FaceLandmarks lm = mesh.landmarks(img, faces[0]);
  ASSERT_EQ(lm.points.size(), 468u);
  const auto g = golden();  // keeps the values `ref` points into alive
  const auto& ref = g.at("landmarks").values;
  double worst = 0, sum = 0;
  for (std::size_t i = 0; i < lm.points.size(); ++i) {
    const double e = std::hypot(lm.points[i][0] - ref[3 * i], lm.points[i][1] - ref[3 * i + 1]);
    worst = std::max(worst, e);
    sum += e;
  }
  std::printf(
      "[ facemesh ] astronaut landmarks vs TF.js: max %.3f px, mean %.3f px, face score %.3f\n",
      worst, sum / 468.0, lm.face_score);
  EXPECT_LE(worst, 1.0);
  EXPECT_LE(sum / 468.0, 0.3);
  EXPECT_GT(lm.face_score, 0.9f);
}

// The eyes-level crop for portrait work: both mesh eye centres land on one row of the crop, at
// 40 % of its height, 36 % of its side apart.
TEST(VisionFaceMesh, P3_aligned_crop_levels_the_eyes) {
  FaceLandmarks lm;
  lm.points.assign(468, {0, 0, 0});
  // A face tilted by ~20 degrees: eyes at (100, 100) and (160, 122).
  lm.points[33] = {98, 99, 0};
  lm.points[133] = {102, 101, 0};
  lm.points[362] = {158, 121, 0};
  lm.points[263] = {162, 123, 0};
  const FaceAlignment a = align_from_landmarks(lm, 256);
  const auto eyes = mesh_eye_centres(lm);
  const auto r = a.to_crop(eyes[0][0], eyes[0][1]);
  const auto l = a.to_crop(eyes[1][0], eyes[1][1]);
  EXPECT_NEAR(r[1], l[1], 1e-3);
  EXPECT_NEAR(r[1], 0.4 * 256, 1e-2);
  EXPECT_NEAR(l[0] - r[0], 0.36 * 256, 1e-2);
  EXPECT_NEAR((l[0] + r[0]) / 2, 128.0, 1e-2);
  // to_image inverts to_crop.
  const auto back = a.to_image(r[0], r[1]);
  EXPECT_NEAR(back[0], eyes[0][0], 1e-3);
  EXPECT_NEAR(back[1], eyes[0][1], 1e-3);
  EXPECT_THROW(align_from_eyes({1, 1}, {1, 1}, 256), std::invalid_argument);
  EXPECT_THROW(align_from_detection(FaceBox{}, 192), std::invalid_argument);
}

TEST(VisionFaceMesh, P3_crop_outside_the_image_is_black) {
  Image img = Image::blank(8, 8, 3);
  std::fill(img.pixels.begin(), img.pixels.end(), 200);
  FaceAlignment a;
  a.center_x = 100;  // far right of the image
  a.center_y = 4;
  a.side = 8;
  a.crop_size = 4;
  const Image c = crop_face(img, a);
  EXPECT_TRUE(std::all_of(c.pixels.begin(), c.pixels.end(), [](std::uint8_t v) { return v == 0; }));
  a.center_x = 4;  // centred: an identity-scale crop of the uniform image
  const Image inside =
      crop_face(img, {.center_x = 4, .center_y = 4, .side = 4, .angle = 0, .crop_size = 4});
  EXPECT_TRUE(std::all_of(inside.pixels.begin(), inside.pixels.end(),
                          [](std::uint8_t v) { return v == 200; }));
}

TEST(VisionFaceMesh, P3_wrong_input_shape_is_rejected) {
  if (!pixforge::testing::have_model("faces/facemesh.json", "faces")) return;
  auto backend = make_reference_backend();
  const FaceMesh mesh(*backend, pixforge::testing::models_dir());
  EXPECT_THROW(
      mesh.run_crop(Tensor::from_host(*backend, Shape{1, 8, 8, 3}, std::vector<float>(192))),
      std::invalid_argument);
}

}  // namespace
}  // namespace pixforge::vision
