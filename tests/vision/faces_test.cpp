// BlazeFace detection (P3: in memory only): decoding of TF.js's raw outputs, and end to end on
// the shared photos (one face in the astronaut, none in the coffee cup).
#include "pixforge/vision/faces.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "models_path.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::vision {
namespace {

// The reference box: TF.js's raw outputs (tools/reference/tfjs_blazeface.mjs) decoded with the
// anchors, in [0, 1] image coordinates.
FaceBox reference_box() {
  const auto g = pixforge::testing::load_golden(pixforge::testing::golden_path("vision/blazeface_raw.safetensors"), 1);
  const auto faces = decode_blazeface(g.at("Identity").values, g.at("Identity_2").values, g.at("Identity_1").values,
                                      g.at("Identity_3").values, {});
  EXPECT_EQ(faces.size(), 1u);
  return faces.empty() ? FaceBox{} : faces[0];
}

TEST(VisionFaces, P3_astronaut_has_one_face_matching_reference) {
  if (!pixforge::testing::have_model("faces/blazeface.json", "faces")) return;
  const FaceBox ref = reference_box();
  std::printf("[ faces    ] reference box (0-1): %.3f %.3f %.3f %.3f score %.3f\n", ref.x0, ref.y0, ref.x1, ref.y1,
              ref.score);
  auto backend = make_cpu_backend({.compute_type = DType::BF16, .threads = 0});
  const FaceDetector det(*backend, pixforge::testing::models_dir());
  const Image img = read_image_file(pixforge::testing::shared_data_path("images/astronaut.png"));
  const auto faces = det.detect(img);
  ASSERT_EQ(faces.size(), 1u);
  FaceBox f = faces[0];
  std::printf("[ faces    ] astronaut: %.1f %.1f %.1f %.1f score %.3f\n", f.x0, f.y0, f.x1, f.y1, f.score);
  for (float* v : {&f.x0, &f.x1}) *v /= static_cast<float>(img.width);
  for (float* v : {&f.y0, &f.y1}) *v /= static_cast<float>(img.height);
  const float overlap = iou(f, ref);
  std::printf("[ faces    ] IoU with reference %.3f\n", overlap);
  EXPECT_GE(overlap, 0.9f);
  // Keypoints (eyes, nose, mouth) lie inside the box.
  for (int k = 0; k < 4; ++k) {
    EXPECT_GT(faces[0].keypoints[k][0], faces[0].x0);
    EXPECT_LT(faces[0].keypoints[k][0], faces[0].x1);
  }
}

TEST(VisionFaces, P3_coffee_has_no_face) {
  if (!pixforge::testing::have_model("faces/blazeface.json", "faces")) return;
  auto backend = make_cpu_backend({.compute_type = DType::BF16, .threads = 0});
  const FaceDetector det(*backend, pixforge::testing::models_dir());
  EXPECT_TRUE(det.detect(read_image_file(pixforge::testing::shared_data_path("images/coffee.png"))).empty());
}

TEST(VisionFaces, P3_weighted_nms_blends_overlaps) {
  // Two anchors in the same 16x16 cell pointing at nearly the same box: one blended face.
  std::vector<float> s16(512, -20.0f), b16(512 * 16, 0.0f), s32(384, -20.0f), b32(384 * 16, 0.0f);
  s16[0] = 5.0f;
  s16[1] = 5.0f;
  b16[2] = b16[3] = 32.0f;                 // anchor 0: 32x32 px box
  b16[16 + 2] = b16[16 + 3] = 36.0f;       // anchor 1: 36x36 px box
  const auto faces = decode_blazeface(s16, b16, s32, b32, {});
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_NEAR(faces[0].x1 - faces[0].x0, 34.0f / 256.0f, 1e-5);
  EXPECT_THROW(decode_blazeface(s16, b16, s32, std::vector<float>(10), {}), std::runtime_error);
}

}  // namespace
}  // namespace pixforge::vision
