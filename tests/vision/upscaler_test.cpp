// Upscalers against TensorFlow.js reference runs (tools/reference/tfjs_upscale.mjs, CPU backend,
// float32) of the same weights on a 24x24 crop of the astronaut photo, and tiled vs untiled.
#include "pixforge/vision/upscaler.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "models_path.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "pixforge/image/convert.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::vision {
namespace {

using pixforge::testing::compare;
using pixforge::testing::golden_path;
using pixforge::testing::load_golden;

constexpr int kGoldenVersion = 1;

struct GoldenCase {
  UpscalerModel model;
  int scale;
  const char* file;
};

// F32 compute: TF.js's CPU kernels and oneDNN sum in different orders; over 12-154 layers
// outputs in 0-255 differ by well under 0.05 (max abs), so 0.05 + 1e-4·|x| is the bound.
TEST(VisionUpscaler, F6_matches_tfjs_reference_f32) {
  auto backend = make_cpu_backend({.compute_type = DType::F32, .threads = 0});
  for (const GoldenCase& c : {GoldenCase{UpscalerModel::Slim, 4, "vision/upscale_slim_x4.safetensors"},
                              GoldenCase{UpscalerModel::Medium, 4, "vision/upscale_medium_x4.safetensors"},
                              GoldenCase{UpscalerModel::Slim, 2, "vision/upscale_slim_x2.safetensors"},
                              GoldenCase{UpscalerModel::Slim, 3, "vision/upscale_slim_x3.safetensors"},
                              GoldenCase{UpscalerModel::Thick, 4, "vision/upscale_thick_x4.safetensors"}}) {
    const std::string rel = "upscaler/" + std::string(upscaler_model_name(c.model)) + "/x" +
                            std::to_string(c.scale) + "/model.json";
    if (!pixforge::testing::have_model(rel, "upscaler")) continue;
    SCOPED_TRACE(c.file);
    const auto g = load_golden(golden_path(c.file), kGoldenVersion);
    const auto& in = g.at("input");
    std::vector<float> x = in.values;
    // thick's golden input is in 0-1; Upscaler::run takes 0-255 for every model.
    if (c.model == UpscalerModel::Thick) for (float& v : x) v *= 255.0f;
    const Upscaler up(c.model, c.scale, *backend, pixforge::testing::models_dir());
    const Tensor out = up.run(Tensor::from_host(*backend, Shape{1, in.shape[1], in.shape[2], 3}, x));
    std::vector<float> expect = g.at("output").values;
    if (c.model == UpscalerModel::Thick) for (float& v : expect) v *= 255.0f;
    const std::vector<float> got = out.to_host();
    const auto d = compare(got, expect);
    std::printf("[ upscale  ] %s x%d f32: max|d| %.3g, PSNR %.1f dB (peak 255)\n",
                std::string(upscaler_model_name(c.model)).c_str(), c.scale, d.max_abs, d.psnr(255.0));
    EXPECT_TRUE(pixforge::testing::all_close(got, expect, 0.05, 1e-4));
  }
}

// BF16 compute (the CPU backend's fast default) against the f32 reference: PSNR >= 40 dB on
// 0-255 outputs (bf16 keeps 8 mantissa bits; errors average out over the 3x3x64 sums).
TEST(VisionUpscaler, F6_bf16_close_to_reference) {
  if (!pixforge::testing::have_model("upscaler/slim/x4/model.json", "upscaler")) return;
  auto backend = make_cpu_backend({.compute_type = DType::BF16, .threads = 0});
  const auto g = load_golden(golden_path("vision/upscale_slim_x4.safetensors"), kGoldenVersion);
  const Upscaler up(UpscalerModel::Slim, 4, *backend, pixforge::testing::models_dir());
  const auto& in = g.at("input");
  const std::vector<float> got =
      up.run(Tensor::from_host(*backend, Shape{1, in.shape[1], in.shape[2], 3}, in.values)).to_host();
  const auto d = compare(got, g.at("output").values);
  std::printf("[ upscale  ] slim x4 bf16: max|d| %.3f, PSNR %.1f dB\n", d.max_abs, d.psnr(255.0));
  EXPECT_GE(d.psnr(255.0), 40.0);
}

// Tiles of 48 with 16 pixels of overlap against one pass over a 96x96 crop: the ramps hide the
// tile borders; PSNR >= 40 dB (8-bit outputs; differences are confined to the overlaps).
TEST(VisionUpscaler, F6_tiled_agrees_with_untiled) {
  if (!pixforge::testing::have_model("upscaler/slim/x2/model.json", "upscaler")) return;
  auto backend = make_cpu_backend({.compute_type = DType::F32, .threads = 0});
  const Image photo = read_image_file(pixforge::testing::shared_data_path("images/astronaut.png"));
  Image crop = Image::blank(96, 96, 3);
  for (int y = 0; y < 96; ++y)
    for (int x = 0; x < 96 * 3; ++x) crop.row(y)[x] = photo.row(100 + y)[200 * 3 + x];
  const Upscaler up(UpscalerModel::Slim, 2, *backend, pixforge::testing::models_dir());
  int calls = 0;
  const Image tiled = up.upscale(crop, {.tile = 48, .overlap = 16, .progress = [&](int, int) { ++calls; }});
  const Image whole = up.upscale(crop, {.tile = 96, .overlap = 0, .progress = {}});
  EXPECT_EQ(calls, 9);  // starts 0, 32, 48 on each axis
  ASSERT_EQ(tiled.width, 192);
  ASSERT_EQ(tiled.height, 192);
  std::vector<float> a(tiled.pixels.begin(), tiled.pixels.end()), b(whole.pixels.begin(), whole.pixels.end());
  const auto d = compare(a, b);
  std::printf("[ upscale  ] tiled vs untiled: max|d| %.0f, PSNR %.1f dB\n", d.max_abs, d.psnr(255.0));
  EXPECT_GE(d.psnr(255.0), 40.0);
}

TEST(VisionUpscaler, F6_4k_geometry) {
  EXPECT_EQ(scale_for_4k(1920, 1080, false), 2);
  EXPECT_EQ(scale_for_4k(1000, 1000, true), 4);   // 3.84 to cover the width
  EXPECT_EQ(scale_for_4k(1000, 1000, false), 3);  // 2.16 to reach the height
  EXPECT_EQ(scale_for_4k(300, 200, true), 8);     // 12.8 needed: the largest model
  Image square = Image::blank(1200, 1200, 3);
  for (auto& p : square.pixels) p = 200;
  const Image fill = to_4k(square, true), fit = to_4k(square, false);
  EXPECT_EQ(fill.width, 3840);
  EXPECT_EQ(fill.height, 2160);
  EXPECT_EQ(fit.width, 3840);
  EXPECT_EQ(fit.row(1000)[0], 0);             // fit: black bar at the left
  EXPECT_NEAR(fit.row(1000)[1920 * 3], 200, 1);  // picture in the centre
  EXPECT_NEAR(fill.row(1000)[0], 200, 1);        // fill: covered edge to edge
}

TEST(VisionUpscaler, F6_bad_requests_are_clear) {
  auto backend = make_reference_backend();
  EXPECT_THROW(Upscaler(UpscalerModel::Slim, 5, *backend, pixforge::testing::models_dir()), std::invalid_argument);
  EXPECT_THROW(parse_upscaler_model("huge"), std::invalid_argument);
  try {
    Upscaler(UpscalerModel::Slim, 4, *backend, "/nonexistent");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("models install upscaler"), std::string::npos);
  }
}

}  // namespace
}  // namespace pixforge::vision
