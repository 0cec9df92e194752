// A1111's inpainting steps (pipeline/masked_content.h, pipeline/inpaint_region.h) against
// tools/reference/pipeline_a1111_inpaint.py, which runs them with PIL as A1111 does.
//
// Tolerances: fill, the Gaussian blur and the overlay restate PIL's integer arithmetic, so they
// must match byte for byte (0). Crop boxes are integer math: exact. Resize modes 1 and 2 go
// through the engine's Lanczos3, which computes PIL's taps in floating point rather than PIL's
// 22-bit fixed point: at most 2 levels apart (measured 1) and the bands of mode 2 likewise.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "pipeline_fixture.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/pipeline/generate.h"
#include "pixforge/pipeline/infotext.h"
#include "pixforge/pipeline/inpaint_region.h"
#include "pixforge/pipeline/masked_content.h"
#include "pixforge/sampling/noise.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::pipeline {
namespace {

constexpr int kA1111InpaintGoldenVersion = 2;

const testing::Golden& golden() {
  static const testing::Golden g = testing::load_golden(
      testing::golden_path("pipeline/a1111_inpaint.safetensors"), kA1111InpaintGoldenVersion);
  return g;
}

std::vector<std::uint8_t> bytes(const testing::GoldenTensor& t) {
  std::vector<std::uint8_t> out(t.values.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(t.values[i]);
  return out;
}

// [h, w, c] golden -> Image (c 3 or 4).
Image image_of(const std::string& name) {
  const auto& t = golden().at(name);
  Image img = Image::blank(static_cast<int>(t.shape[1]), static_cast<int>(t.shape[0]),
                           static_cast<int>(t.shape[2]));
  img.pixels = bytes(t);
  return img;
}

GreyMask mask_of(const std::string& name) {
  const auto& t = golden().at(name);
  return {static_cast<int>(t.shape[1]), static_cast<int>(t.shape[0]), bytes(t)};
}

// Largest byte difference, with a note of where.
int max_diff(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  EXPECT_EQ(a.size(), b.size());
  int worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(int(a[i]) - int(b[i])));
  return worst;
}

TEST(A1111Fill, MatchesPilByteForByte) {
  const Image image = image_of("image");
  for (const char* name : {"soft", "hard"}) {
    const GreyMask mask = mask_of(std::string("fill_") + name + "_mask");
    const Image filled = fill_masked(image, mask);
    EXPECT_EQ(max_diff(filled.pixels, bytes(golden().at(std::string("fill_") + name))), 0) << name;
    // Kept pixels are the original's; masked ones changed (the fill reached them).
    int changed = 0;
    for (std::size_t i = 0; i < mask.values.size(); ++i)
      for (int c = 0; c < 3; ++c) {
        if (mask.values[i] == 0) {
          EXPECT_EQ(filled.pixels[i * 3 + c], image.pixels[i * 3 + c]);
        }
        if (mask.values[i] != 0) changed += filled.pixels[i * 3 + c] != image.pixels[i * 3 + c];
      }
    EXPECT_GT(changed, 100) << name;
  }
}

TEST(A1111Fill, GaussianBlurIsPils) {
  for (const char* r : {"1", "2.5", "16", "256"}) {
    std::vector<std::uint8_t> px = bytes(golden().at("blur_input"));
    pil_gaussian_blur_rgba(px, 48, 40, std::stof(r));
    EXPECT_EQ(max_diff(px, bytes(golden().at(std::string("blur_") + r))), 0) << "radius " << r;
  }
}

TEST(A1111Fill, RejectsAMaskOfAnotherSize) {
  const Image image = image_of("image");
  GreyMask mask{10, 10, std::vector<std::uint8_t>(100, 255)};
  EXPECT_THROW(fill_masked(image, mask), InvalidParams);
}

TEST(A1111Overlay, MatchesPilAndKeepsUnmaskedPixelsExactly) {
  const Image original = image_of("image"), generated = image_of("generated");
  const GreyMask mask = mask_of("overlay_mask");
  const Image out = overlay_original(generated, original, mask);
  EXPECT_EQ(max_diff(out.pixels, bytes(golden().at("overlay"))), 0);
  int masked = 0;
  for (std::size_t i = 0; i < mask.values.size(); ++i) {
    for (int c = 0; c < 3; ++c) {
      if (mask.values[i] == 0) {
        ASSERT_EQ(out.pixels[i * 3 + c], original.pixels[i * 3 + c]);
      }
      if (mask.values[i] == 255) {
        EXPECT_EQ(out.pixels[i * 3 + c], generated.pixels[i * 3 + c]);
      }
    }
    masked += mask.values[i] == 255;
  }
  EXPECT_GT(masked, 50);
}

// tools/reference/pipeline_a1111_inpaint.py CROP_CASES, in order.
struct CropCase {
  int w, h, pad, pw, ph;
};
constexpr CropCase kCropCases[] = {
    {96, 80, 8, 64, 64}, {96, 80, 32, 64, 64}, {96, 80, 4, 64, 48},   {96, 80, 2, 64, 64},
    {96, 80, 0, 64, 96}, {96, 80, 32, 64, 64}, {96, 40, 16, 64, 128},
};

// The reference's masks are white boxes blurred by PIL; it stores each one's bounding box, which
// a mask holding exactly that box reproduces here, so getbbox + pad + expand are under test.
TEST(A1111CropRegion, PaddingAspectAndClampingMatchA1111) {
  const auto& boxes = golden().at("crop_boxes").ints;  // [cases, 12]
  ASSERT_EQ(boxes.size(), std::size(kCropCases) * 12);
  for (std::size_t k = 0; k < std::size(kCropCases); ++k) {
    const CropCase& c = kCropCases[k];
    const auto* want = &boxes[k * 12];
    GreyMask mask{c.w, c.h, std::vector<std::uint8_t>(static_cast<std::size_t>(c.w) * c.h, 0)};
    for (auto y = want[1]; y < want[3]; ++y)
      for (auto x = want[0]; x < want[2]; ++x)
        mask.values[static_cast<std::size_t>(y * c.w + x)] = 3;
    const auto region = mask_crop_region(mask, c.pad);
    ASSERT_TRUE(region.has_value()) << "case " << k;
    const CropRegion padded{int(want[4]), int(want[5]), int(want[6]), int(want[7])};
    EXPECT_EQ(*region, padded) << "case " << k;
    const CropRegion expanded = expand_crop_region(padded, c.pw, c.ph, c.w, c.h);
    EXPECT_EQ(expanded, (CropRegion{int(want[8]), int(want[9]), int(want[10]), int(want[11])}))
        << "case " << k;
    EXPECT_GE(expanded.x1, 0);
    EXPECT_GE(expanded.y1, 0);
    EXPECT_LE(expanded.x2, c.w);
    EXPECT_LE(expanded.y2, c.h);
  }
}

TEST(A1111CropRegion, HandWorkedCases) {
  // A 12x20 mask at (40, 30) in 100x100, padding 4: 20x28, widened to 28x28 for 64x64.
  GreyMask m{100, 100, std::vector<std::uint8_t>(10000, 0)};
  for (int y = 30; y < 50; ++y)
    for (int x = 40; x < 52; ++x) m.values[y * 100 + x] = 255;
  const auto r = mask_crop_region(m, 4);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (CropRegion{36, 26, 56, 54}));
  EXPECT_EQ(expand_crop_region(*r, 64, 64, 100, 100), (CropRegion{32, 26, 60, 54}));
  // Touching the left border: the widened box is shifted right to start at 0.
  EXPECT_EQ(expand_crop_region(CropRegion{0, 10, 6, 40}, 64, 64, 100, 100),
            (CropRegion{0, 10, 30, 40}));
  // Touching the right border: shifted left.
  EXPECT_EQ(expand_crop_region(CropRegion{95, 10, 100, 40}, 64, 64, 100, 100),
            (CropRegion{70, 10, 100, 40}));
  // Wider than the image can be made at this ratio: clamped to the image.
  EXPECT_EQ(expand_crop_region(CropRegion{0, 0, 100, 20}, 64, 64, 100, 50),
            (CropRegion{0, 0, 100, 50}));
  // A full mask: the whole image.
  GreyMask full{16, 8, std::vector<std::uint8_t>(128, 255)};
  EXPECT_EQ(mask_crop_region(full, 32), (CropRegion{0, 0, 16, 8}));
  // A blank mask has no region (A1111 then runs plain img2img).
  GreyMask blank{16, 8, std::vector<std::uint8_t>(128, 0)};
  EXPECT_FALSE(mask_crop_region(blank, 32).has_value());
}

TEST(A1111Resize, CropAndFillModesMatchPilWithinTwoLevels) {
  const Image image = image_of("image");
  const int crop =
      max_diff(resize_and_crop(image, 64, 32).pixels, bytes(golden().at("resize_crop_64x32")));
  const int fill_wide =
      max_diff(resize_and_fill(image, 64, 32).pixels, bytes(golden().at("resize_fill_64x32")));
  const int fill_tall =
      max_diff(resize_and_fill(image, 32, 64).pixels, bytes(golden().at("resize_fill_32x64")));
  std::printf("[ resize ] max diff vs PIL: crop %d, fill %d / %d levels\n", crop, fill_wide,
              fill_tall);
  EXPECT_LE(crop, 2);
  EXPECT_LE(fill_wide, 2);
  EXPECT_LE(fill_tall, 2);
}

TEST(A1111LatentContent, NoiseAndNothingReplaceTheMaskedLatent) {
  const auto backend = make_reference_backend();
  const Shape shape{1, 4, 6, 4};
  std::vector<float> init_v(96), mask_v(96);
  for (std::size_t i = 0; i < 96; ++i) {
    init_v[i] = 0.5f + 0.01f * static_cast<float>(i);
    const std::size_t px = i / 4;
    mask_v[i] = px % 6 < 2 ? 1.0f : (px % 6 == 2 ? 0.25f : 0.0f);
  }
  const Tensor init = Tensor::from_host(*backend, shape, init_v);
  const Tensor mask = Tensor::from_host(*backend, shape, mask_v);
  sampling::NoiseSampler draw(sampling::RngKind::TorchCpu, 42, shape,
                              sampling::NoiseBatching::PerImage);
  const Tensor noise = draw.next(*backend);
  const std::vector<float> n = noise.to_host();
  const auto noisy =
      apply_latent_masked_content(MaskedContent::LatentNoise, init, mask, noise).to_host();
  const auto nothing =
      apply_latent_masked_content(MaskedContent::LatentNothing, init, mask, Tensor()).to_host();
  for (std::size_t i = 0; i < 96; ++i) {
    const float m = mask_v[i];
    EXPECT_FLOAT_EQ(noisy[i], init_v[i] * (1 - m) + n[i] * m) << i;
    EXPECT_FLOAT_EQ(nothing[i], init_v[i] * (1 - m)) << i;
    if (m == 1.0f) {
      EXPECT_EQ(noisy[i], n[i]);
      EXPECT_EQ(nothing[i], 0.0f);
    }
    if (m == 0.0f) {
      EXPECT_EQ(noisy[i], init_v[i]);
    }
  }
  // Original and fill leave the latent alone.
  EXPECT_EQ(apply_latent_masked_content(MaskedContent::Fill, init, mask, noise).to_host(), init_v);
}

// A1111's latent mask from the soft mask (48x40 -> 6x5 latent): PIL's bicubic within 2 levels
// (the engine's bicubic taps are floating point, PIL's fixed point); rounded, equal wherever
// the unrounded value is not within those 2 levels of the 0.5 threshold.
TEST(A1111LatentMask, IsPilsBicubicResizeRounded) {
  const auto backend = make_reference_backend();
  const GreyMask soft = mask_of("fill_soft_mask");
  InpaintMask m{48, 40, {}};
  for (auto v : soft.values) m.values.push_back(v / 255.0f);
  const Shape shape{2, 5, 6, 4};
  const auto frac = a1111_latent_mask(*backend, m, 48, 40, shape, false).to_host();
  const auto rounded = a1111_latent_mask(*backend, m, 48, 40, shape, true).to_host();
  const auto& want = golden().at("latent_mask_6x5").values;
  const auto& want_rounded = golden().at("latent_mask_6x5_rounded").values;
  int ones = 0;
  for (std::size_t i = 0; i < frac.size(); ++i) {
    const std::size_t px = (i / 4) % 30;  // batch-repeated, channel-repeated
    EXPECT_NEAR(frac[i], want[px], 2.0 / 255 + 1e-6) << i;
    if (std::fabs(want[px] - 0.5) > 2.0 / 255) {
      EXPECT_EQ(rounded[i], want_rounded[px]) << i;
    }
    EXPECT_TRUE(rounded[i] == 0.0f || rounded[i] == 1.0f);
    ones += rounded[i] == 1.0f;
  }
  EXPECT_GT(ones, 0);
  EXPECT_LT(ones, static_cast<int>(frac.size()));
}

// A 96x80 picture with a small mask: OnlyMasked samples the crop at 64x64 and returns the
// picture's size with every pixel outside the crop, and outside the mask, unchanged.
GenerationParams only_masked_params() {
  GenerationParams p;
  p.width = p.height = 64;
  p.init_image = image_of("image");
  InpaintMask m{48, 40, std::vector<float>(48 * 40, 0.0f)};
  for (int y = 12; y < 20; ++y)
    for (int x = 30; x < 40; ++x) m.values[static_cast<std::size_t>(y) * 48 + x] = 1.0f;
  p.mask = m;
  p.inpaint_area = InpaintArea::OnlyMasked;
  p.inpaint_padding = 4;
  return p;
}

TEST(A1111InpaintFrame, OnlyMaskedCropsResizesAndPastesBack) {
  GenerationParams p = only_masked_params();
  const Image original = *p.init_image;
  const InpaintFrame frame = InpaintFrame::prepare(p);
  // Box (30,12)-(40,20) padded by 4: 18x16, widened to 18x18 for 64x64.
  ASSERT_TRUE(frame.region());
  EXPECT_EQ(*frame.region(), (CropRegion{26, 7, 44, 25}));
  ASSERT_TRUE(p.init_image && p.mask);
  EXPECT_EQ(p.init_image->width, 64);
  EXPECT_EQ(p.mask->width, 64);
  // A flat grey "generation" pasted back: outside the mask the original, inside grey.
  Image grey = Image::blank(64, 64, 3);
  std::fill(grey.pixels.begin(), grey.pixels.end(), std::uint8_t{128});
  const Image out = frame.finish(grey);
  ASSERT_EQ(out.width, 48);
  ASSERT_EQ(out.height, 40);
  for (int y = 0; y < 40; ++y)
    for (int x = 0; x < 48; ++x)
      for (int c = 0; c < 3; ++c) {
        const std::size_t i = (static_cast<std::size_t>(y) * 48 + x) * 3 + c;
        const bool inside = x >= 30 && x < 40 && y >= 12 && y < 20;
        EXPECT_EQ(out.pixels[i], inside ? 128 : original.pixels[i]) << x << "," << y;
      }
}

TEST(A1111InpaintFrame, BlankMaskFallsBackToImg2img) {
  GenerationParams p = only_masked_params();
  std::fill(p.mask->values.begin(), p.mask->values.end(), 0.0f);
  const InpaintFrame frame = InpaintFrame::prepare(p);
  EXPECT_FALSE(p.mask.has_value());
  EXPECT_FALSE(frame.region().has_value());
  const Image img = image_of("generated");
  EXPECT_EQ(frame.finish(img).pixels, img.pixels);  // no overlay either
}

TEST(A1111InpaintFrame, WholePictureOverlayDoublesTheMaskAndFillsAtOutputSize) {
  GenerationParams p;
  p.width = 48;
  p.height = 40;
  p.init_image = image_of("image");
  const GreyMask soft = mask_of("fill_soft_mask");
  InpaintMask m{48, 40, {}};
  for (auto v : soft.values) m.values.push_back(v / 255.0f);
  p.mask = m;
  p.mask_overlay = true;
  p.masked_content = MaskedContent::Fill;
  const InpaintFrame frame = InpaintFrame::prepare(p);
  EXPECT_EQ(p.init_image->pixels, bytes(golden().at("fill_soft")));
  const Image generated = image_of("generated");
  const Image out = frame.finish(generated);
  GreyMask twice = soft;
  for (auto& v : twice.values) v = static_cast<std::uint8_t>(std::min(255, 2 * v));
  EXPECT_EQ(out.pixels, overlay_original(generated, image_of("image"), twice).pixels);
}

// A whole pipeline run on the synthetic checkpoint (2 steps, f32): only masked with latent noise
// runs and the overlay keeps every pixel the mask does not touch. (Fill's pixel step is checked
// byte for byte above; every mode runs end to end in the service e2e test. One run keeps this
// binary quick.)
TEST(A1111InpaintInfotext, KeysRoundTripThroughTheParametersChunk) {
  GenerationParams p = only_masked_params();
  p.masked_content = MaskedContent::LatentNoise;
  p.inpaint_padding = 12;
  const A1111Parameters text = to_a1111(p, 5, 0, ModelLabel{});
  EXPECT_EQ(text.get("Inpaint area"), "Only masked");
  EXPECT_EQ(text.get("Masked area padding"), "12");
  EXPECT_EQ(text.get("Masked content"), "latent noise");
  GenerationParams back;
  apply_a1111(parse_a1111_parameters(format_a1111_parameters(text)), back);
  EXPECT_EQ(back.masked_content, MaskedContent::LatentNoise);
  EXPECT_EQ(back.inpaint_area, InpaintArea::OnlyMasked);
  EXPECT_EQ(back.inpaint_padding, 12);
  // A1111's defaults of these (original, whole picture) are not written.
  p.masked_content = MaskedContent::Original;
  p.inpaint_area = InpaintArea::Whole;
  const A1111Parameters plain = to_a1111(p, 5, 0, ModelLabel{});
  EXPECT_FALSE(plain.get("Masked content"));
  EXPECT_FALSE(plain.get("Inpaint area"));
  A1111Parameters odd = text;
  odd.set("Masked content", "blur");
  EXPECT_THROW(apply_a1111(odd, back), InvalidParams);
}

using pipeline_test::PipelineTest;
TEST_F(PipelineTest, A1111ModesRunAndKeepPixelsOutsideTheMask) {
  for (auto content : {MaskedContent::LatentNoise}) {
    GenerationParams p = only_masked_params();
    p.compute = ComputeType::F32;
    p.prompt = "a red door";
    p.steps = 2;
    p.seed = 3;
    p.strength = 0.9;
    p.masked_content = content;
    const auto out = generate(model_f32(), p);
    ASSERT_EQ(out.size(), 1u);
    const Image& img = out[0].image;
    ASSERT_EQ(img.width, 48);
    ASSERT_EQ(img.height, 40);
    int changed = 0;
    for (std::size_t i = 0; i < p.mask->values.size(); ++i)
      for (int c = 0; c < 3; ++c) {
        if (p.mask->values[i] == 0.0f) {
          ASSERT_EQ(img.pixels[i * 3 + c], p.init_image->pixels[i * 3 + c]);
        } else {
          changed += img.pixels[i * 3 + c] != p.init_image->pixels[i * 3 + c];
        }
      }
    EXPECT_GT(changed, 100) << masked_content_name(content);
    EXPECT_EQ(out[0].parameters.get("Inpaint area"), "Only masked");
    EXPECT_EQ(out[0].parameters.get("Masked area padding"), "4");
    EXPECT_TRUE(out[0].parameters.get("Masked content").has_value());
  }
}

}  // namespace
}  // namespace pixforge::pipeline
