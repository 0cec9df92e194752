// Image <-> tensor conversions and resizing (against PIL's Lanczos and bicubic).
#include "pixforge/image/convert.h"

#include <gtest/gtest.h>

#include <cmath>

#include "image_test_util.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge {
namespace {

TEST(ImageConvert, TensorRoundTripIsExact) {
  auto backend = make_reference_backend();
  const Image im = image_test::test_pattern(13, 7, 3);
  for (PixelRange r : {PixelRange::MinusOneToOne, PixelRange::ZeroToOne}) {
    const Tensor t = image_to_tensor(*backend, im, r);
    EXPECT_EQ(t.shape(), (Shape{1, 7, 13, 3}));
    const std::vector<float> v = t.to_host();
    EXPECT_FLOAT_EQ(v[0], r == PixelRange::ZeroToOne ? 0.0f : -1.0f);  // pixel (0,0) red = 0
    // Output truncates as ComfyUI does, so a level v can come back as v - 1 when v / 255 * 255
    // lands a hair under v in f32; never more, never up.
    const Image back = tensor_to_image(t, 0, r);
    for (std::size_t i = 0; i < im.pixels.size(); ++i) {
      ASSERT_LE(back.pixels[i], im.pixels[i]) << i;
      ASSERT_GE(back.pixels[i] + 1, im.pixels[i]) << i;
    }
  }
}

TEST(ImageConvert, TruncatesAndClampsAsComfyUi) {
  const float v[6] = {-2.0f, 1.5f, 0.0f, 0.999f, std::nanf(""), -0.999f};
  const Image im = rgb_from_floats(v, 2, 1, PixelRange::MinusOneToOne);
  EXPECT_EQ(im.pixels[0], 0);                                   // clamped low
  EXPECT_EQ(im.pixels[1], 255);                                 // clamped high
  EXPECT_EQ(im.pixels[2], 127);                                 // 127.5 truncates to 127
  EXPECT_EQ(im.pixels[3], static_cast<int>(255.0f * 0.9995f));  // 254
  EXPECT_EQ(im.pixels[4], 0);                                   // NaN -> black
  EXPECT_EQ(im.pixels[5], 0);                                   // 0.1275 -> 0
}

TEST(ImageConvert, AlphaIsCompositedOverWhite) {
  Image rgba = Image::blank(1, 1, 4);
  rgba.pixels = {0, 0, 0, 0};
  EXPECT_EQ(to_rgb(rgba).pixels, (std::vector<std::uint8_t>{255, 255, 255}));
  rgba.pixels = {10, 20, 30, 255};
  EXPECT_EQ(to_rgb(rgba).pixels, (std::vector<std::uint8_t>{10, 20, 30}));
}

TEST(ImageConvert, TensorToImageRejectsWrongShapes) {
  auto backend = make_reference_backend();
  const std::vector<float> v(2 * 4 * 4 * 4, 0.0f);
  const Tensor four_ch = Tensor::from_host(*backend, Shape{2, 4, 4, 4}, v);
  EXPECT_THROW(tensor_to_image(four_ch, 0, PixelRange::ZeroToOne), ImageError);
  const Tensor rgb =
      Tensor::from_host(*backend, Shape{2, 4, 4, 3}, std::vector<float>(2 * 4 * 4 * 3, 0.0f));
  EXPECT_NO_THROW(tensor_to_image(rgb, 1, PixelRange::ZeroToOne));
  EXPECT_THROW(tensor_to_image(rgb, 2, PixelRange::ZeroToOne), ImageError);
}

TEST(ImageResize, MatchesPilWithinOneLevel) {
  // PIL computes in fixed point (22-bit weights) and rounds per pass; we use f32, so a level
  // of difference at rounding boundaries is expected and nothing more.
  const auto golden = testing::load_golden(testing::golden_path("image/decoded.safetensors"), 1);
  const Image src = read_image_file(testing::golden_dir() + "/image/resize_src.png");
  for (auto [label, filter] : {std::pair{"lanczos", ResizeFilter::Lanczos3},
                               std::pair{"bicubic", ResizeFilter::Bicubic}}) {
    for (auto [w, h] : {std::pair{24, 18}, std::pair{100, 75}}) {
      const std::string name =
          std::string("resize_") + label + "_" + std::to_string(w) + "x" + std::to_string(h);
      const Image out = resize_image(src, w, h, filter);
      EXPECT_TRUE(testing::all_close(image_test::as_floats(out), golden.at(name).values, 1.0, 0))
          << name;
    }
  }
}

TEST(ImageResize, AreaAveragesExactlyForIntegerFactors) {
  Image im = Image::blank(4, 2, 3);
  for (std::size_t i = 0; i < im.pixels.size(); ++i)
    im.pixels[i] = static_cast<std::uint8_t>(i * 10);
  const Image out = resize_image(im, 2, 1, ResizeFilter::Area);
  // Output pixel 0 averages source pixels (0,0),(1,0),(0,1),(1,1): channel 0 values 0,30,120,150.
  EXPECT_EQ(out.pixels[0], 75);
  EXPECT_THROW(resize_image(im, 0, 3, ResizeFilter::Area), ImageError);
}

}  // namespace
}  // namespace pixforge
