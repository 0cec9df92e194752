// Selfie segmentation against TF.js (tools/reference/tfjs_selfie.mjs) and on the shared photo.
#include "pixforge/vision/selfie.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "models_path.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::vision {
namespace {

constexpr int kGoldenVersion = 1;

// Intersection over union of the masks' person pixels (>= 0.5).
double mask_iou(const std::vector<float>& a, const std::vector<float>& b) {
  std::size_t inter = 0, uni = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    inter += (a[i] >= 0.5f && b[i] >= 0.5f) ? 1 : 0;
    uni += (a[i] >= 0.5f || b[i] >= 0.5f) ? 1 : 0;
  }
  return uni == 0 ? 1.0 : static_cast<double>(inter) / static_cast<double>(uni);
}

pixforge::testing::Golden golden() {
  return pixforge::testing::load_golden(pixforge::testing::golden_path("vision/selfie.safetensors"),
                                        kGoldenVersion);
}

// F32 compute on TF.js's input: probabilities within 1e-3 (measured 1.2e-4: sigmoid outputs
// after ~150 ops summed in a different order; the x2 resizes and pooling are compositions of
// engine ops), the person masks at 0.5 with IoU >= 0.995.
TEST(VisionSelfie, P3_matches_tfjs_on_the_same_input) {
  if (!pixforge::testing::have_model("faces/selfie.json", "faces")) return;
  auto backend = make_cpu_backend({.compute_type = DType::F32, .threads = 0});
  const SelfieSegmenter seg(*backend, pixforge::testing::models_dir());
  const auto g = golden();
  const std::vector<float> m =
      seg.run(Tensor::from_host(*backend, Shape{1, 256, 256, 3}, g.at("input").values)).to_host();
  const auto d = pixforge::testing::compare(m, g.at("mask").values);
  const double iou = mask_iou(m, g.at("mask").values);
  std::printf("[ selfie   ] f32 vs TF.js: max|d| %.2e, IoU %.4f\n", d.max_abs, iou);
  EXPECT_TRUE(pixforge::testing::all_close(m, g.at("mask").values, 1e-3, 0.0));
  EXPECT_GE(iou, 0.995);
}

// Production path (bf16, the engine's area-filtered resize): the astronaut's mask at 256x256
// overlaps TF.js's with IoU >= 0.97 (measured 0.992), and about half the photo is person.
TEST(VisionSelfie, P3_astronaut_mask_matches_tfjs) {
  if (!pixforge::testing::have_model("faces/selfie.json", "faces")) return;
  auto backend = make_cpu_backend({.compute_type = DType::BF16, .threads = 0});
  const SelfieSegmenter seg(*backend, pixforge::testing::models_dir());
  const Image img = read_image_file(pixforge::testing::shared_data_path("images/astronaut.png"));
  const SegmentationMask mask = seg.segment(img);
  ASSERT_EQ(mask.width, img.width);
  ASSERT_EQ(mask.height, img.height);
  const std::vector<float> small = resize_map(mask.values, mask.width, mask.height, 256, 256);
  const double iou = mask_iou(small, golden().at("mask").values);
  std::printf("[ selfie   ] astronaut bf16 end to end: IoU %.4f with TF.js, coverage %.3f\n", iou,
              mask.coverage());
  EXPECT_GE(iou, 0.97);
  EXPECT_GT(mask.coverage(), 0.3f);
  EXPECT_LT(mask.coverage(), 0.8f);
}

TEST(VisionSelfie, P3_mask_images_and_bad_sizes) {
  SegmentationMask m{2, 1, {0.0f, 1.0f}};
  const Image grey = mask_image(m);
  EXPECT_EQ(grey.pixels, (std::vector<std::uint8_t>{0, 0, 0, 255, 255, 255}));
  Image img = Image::blank(2, 1, 3);
  const Image cut = cutout(img, m);
  ASSERT_EQ(cut.channels, 4);
  EXPECT_EQ(cut.pixels[3], 0);
  EXPECT_EQ(cut.pixels[7], 255);
  EXPECT_THROW(cutout(Image::blank(3, 1, 3), m), std::invalid_argument);
  EXPECT_THROW(resize_map({1.0f}, 2, 2, 4, 4), std::invalid_argument);
  // Bilinear x2 of [0, 1] with half-pixel centres: 0, 0.25, 0.75, 1.
  const auto up = resize_map({0.0f, 1.0f}, 2, 1, 4, 1);
  EXPECT_NEAR(up[0], 0.0f, 1e-6);
  EXPECT_NEAR(up[1], 0.25f, 1e-6);
  EXPECT_NEAR(up[2], 0.75f, 1e-6);
  EXPECT_NEAR(up[3], 1.0f, 1e-6);
}

}  // namespace
}  // namespace pixforge::vision
