// nsfwjs MobileNetV2 (uint8-quantised weights) against TF.js (tools/reference/tfjs_nsfw.mjs)
// and on the shared photos (P9).
#include "pixforge/vision/nsfw.h"

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

// Same preprocessed input as TF.js, f32 compute: probabilities within 1e-4 (softmax outputs;
// the two runtimes differ only in summation order).
TEST(VisionNsfw, P9_matches_tfjs_reference) {
  if (!pixforge::testing::have_model("nsfw/mobilenet_v2/model.json", "nsfw")) return;
  auto backend = make_cpu_backend({.compute_type = DType::F32, .threads = 0});
  const NsfwClassifier nsfw(*backend, pixforge::testing::models_dir());
  const auto g = pixforge::testing::load_golden(
      pixforge::testing::golden_path("vision/nsfw_mobilenet_v2.safetensors"), kGoldenVersion);
  const auto p = nsfw.classify_tensor(
      Tensor::from_host(*backend, Shape{1, 224, 224, 3}, g.at("input").values));
  const std::vector<float> got(p.begin(), p.end());
  EXPECT_TRUE(pixforge::testing::all_close(got, g.at("probs_astronaut").values, 1e-4, 0.0));
}

// End to end with the engine's own decoding and resizing (area filter, where nsfwjs resizes
// bilinearly, which alone moves the astronaut's Neutral score by ~0.056): every shared photo is
// Neutral or Drawing and not flagged; the probabilities stay within 0.1 of TF.js's.
TEST(VisionNsfw, P9_shared_photos_are_neutral) {
  if (!pixforge::testing::have_model("nsfw/mobilenet_v2/model.json", "nsfw")) return;
  auto backend = make_cpu_backend({.compute_type = DType::BF16, .threads = 0});
  const NsfwClassifier nsfw(*backend, pixforge::testing::models_dir());
  const auto g = pixforge::testing::load_golden(
      pixforge::testing::golden_path("vision/nsfw_mobilenet_v2.safetensors"), kGoldenVersion);
  for (const char* name : {"astronaut", "coffee", "chelsea"}) {
    const Image img = read_image_file(
        pixforge::testing::shared_data_path(std::string("images/") + name + ".png"));
    const ModerationResult r = nsfw.classify(img);
    std::printf(
        "[ nsfw     ] %-9s Drawing %.4f Hentai %.4f Neutral %.4f Porn %.4f Sexy %.4f -> %s%s\n",
        name, r.probabilities[0], r.probabilities[1], r.probabilities[2], r.probabilities[3],
        r.probabilities[4], std::string(nsfw_class_name(r.top)).c_str(),
        r.flagged ? " FLAGGED" : "");
    EXPECT_TRUE(r.top == NsfwClass::Neutral || r.top == NsfwClass::Drawing) << name;
    EXPECT_FALSE(r.flagged) << name;
    const std::vector<float> got(r.probabilities.begin(), r.probabilities.end());
    EXPECT_TRUE(
        pixforge::testing::all_close(got, g.at(std::string("probs_") + name).values, 0.1, 0.0))
        << name;
  }
}

// MobileNetV2-mid (graph-model) and InceptionV3 (layers-model, 299x299) on TF.js's own
// (float16-rounded) inputs, f32 compute: probabilities within 5e-5 (measured 2e-6 / 3e-6:
// summation order over 50-94 convolutions; Inception's overlapping pools are composed from
// engine ops).
TEST(VisionNsfw, P9_mid_and_inception_match_tfjs) {
  for (const auto& [model, file] : {std::pair{NsfwModel::MobileNetV2Mid, "mobilenet_v2_mid"},
                                    std::pair{NsfwModel::InceptionV3, "inception_v3"}}) {
    if (!pixforge::testing::have_model(std::string("nsfw/") + file + "/model.json", "nsfw")) return;
    auto backend = make_cpu_backend({.compute_type = DType::F32, .threads = 0});
    const NsfwClassifier nsfw(*backend, model, pixforge::testing::models_dir());
    const auto g = pixforge::testing::load_golden(
        pixforge::testing::golden_path(std::string("vision/nsfw_") + file + ".safetensors"),
        kGoldenVersion);
    const int n = nsfw.input_size();
    const auto p =
        nsfw.classify_tensor(Tensor::from_host(*backend, Shape{1, n, n, 3}, g.at("input").values));
    const std::vector<float> got(p.begin(), p.end());
    const auto d = pixforge::testing::compare(got, g.at("probs_astronaut").values);
    std::printf("[ nsfw     ] %-17s vs TF.js max|d| %.2e\n", file, d.max_abs);
    EXPECT_TRUE(pixforge::testing::all_close(got, g.at("probs_astronaut").values, 5e-5, 0.0))
        << file;
  }
}

// Every model, end to end in bf16 on the shared photos: Neutral or Drawing, never flagged,
// probabilities within 0.15 of TF.js's (area vs aligned-corner bilinear resizing).
TEST(VisionNsfw, P9_every_model_scores_shared_photos_safe) {
  for (const auto& [model, file] : {std::pair{NsfwModel::MobileNetV2Mid, "mobilenet_v2_mid"},
                                    std::pair{NsfwModel::InceptionV3, "inception_v3"}}) {
    if (!pixforge::testing::have_model(std::string("nsfw/") + file + "/model.json", "nsfw")) return;
    auto backend = make_cpu_backend({.compute_type = DType::BF16, .threads = 0});
    const NsfwClassifier nsfw(*backend, model, pixforge::testing::models_dir());
    const auto g = pixforge::testing::load_golden(
        pixforge::testing::golden_path(std::string("vision/nsfw_") + file + ".safetensors"),
        kGoldenVersion);
    for (const char* name : {"astronaut", "coffee", "chelsea"}) {
      const Image img = read_image_file(
          pixforge::testing::shared_data_path(std::string("images/") + name + ".png"));
      const ModerationResult r = nsfw.classify(img);
      std::printf(
          "[ nsfw     ] %-9s %-9s Drawing %.4f Hentai %.4f Neutral %.4f Porn %.4f Sexy %.4f -> "
          "%s\n",
          std::string(nsfw_model_name(model)).c_str(), name, r.probabilities[0], r.probabilities[1],
          r.probabilities[2], r.probabilities[3], r.probabilities[4],
          std::string(nsfw_class_name(r.top)).c_str());
      EXPECT_TRUE(r.top == NsfwClass::Neutral || r.top == NsfwClass::Drawing)
          << file << " " << name;
      EXPECT_FALSE(r.flagged) << file << " " << name;
      const std::vector<float> got(r.probabilities.begin(), r.probabilities.end());
      EXPECT_TRUE(
          pixforge::testing::all_close(got, g.at(std::string("probs_") + name).values, 0.15, 0.0))
          << file << " " << name;
    }
  }
}

TEST(VisionNsfw, P9_model_names) {
  EXPECT_EQ(parse_nsfw_model("mid"), NsfwModel::MobileNetV2Mid);
  EXPECT_EQ(parse_nsfw_model("inception"), NsfwModel::InceptionV3);
  EXPECT_EQ(parse_nsfw_model("mobilenet"), NsfwModel::MobileNetV2);
  EXPECT_THROW(parse_nsfw_model("resnet"), std::invalid_argument);
}

TEST(VisionNsfw, P9_thresholds_decide) {
  const ModerationResult safe = decide({0.1f, 0.0f, 0.9f, 0.0f, 0.0f}, {});
  EXPECT_FALSE(safe.flagged);
  EXPECT_EQ(safe.top, NsfwClass::Neutral);
  EXPECT_TRUE(decide({0.0f, 0.0f, 0.4f, 0.6f, 0.0f}, {}).flagged);
  EXPECT_TRUE(decide({0.0f, 0.0f, 0.2f, 0.0f, 0.8f}, {}).flagged);
  EXPECT_FALSE(
      decide({0.0f, 0.0f, 0.2f, 0.0f, 0.8f}, {.porn = 0.5f, .hentai = 0.5f, .sexy = 0.9f}).flagged);
}

TEST(VisionNsfw, P9_wrong_input_shape_is_rejected) {
  if (!pixforge::testing::have_model("nsfw/mobilenet_v2/model.json", "nsfw")) return;
  auto backend = make_reference_backend();
  const NsfwClassifier nsfw(*backend, pixforge::testing::models_dir());
  EXPECT_THROW(
      nsfw.classify_tensor(Tensor::from_host(*backend, Shape{1, 8, 8, 3}, std::vector<float>(192))),
      std::invalid_argument);
}

}  // namespace
}  // namespace pixforge::vision
