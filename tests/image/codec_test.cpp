// Decoders and encoders: round trips, every PNG/JPEG/WebP variant the fixtures cover against
// what PIL decodes, and hostile input (truncation, bit flips, giant declared sizes).
#include "pixforge/image/codec.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <random>

#include "image_test_util.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge {
namespace {

using image_test::psnr;
using image_test::read_bytes;
using image_test::test_pattern;

constexpr int kFixtureVersion = 1;

const testing::Golden& decoded_golden() {
  static const testing::Golden g =
      testing::load_golden(testing::golden_path("image/decoded.safetensors"), kFixtureVersion);
  return g;
}

void expect_matches_golden(const Image& im, const std::string& name, int channels, double atol) {
  const auto& ref = decoded_golden().at(name);
  ASSERT_EQ(ref.shape.size(), 3u) << name;
  EXPECT_EQ(im.height, ref.shape[0]) << name;
  EXPECT_EQ(im.width, ref.shape[1]) << name;
  EXPECT_EQ(im.channels, channels) << name;
  ASSERT_EQ(ref.shape[2], channels) << name;
  EXPECT_TRUE(testing::all_close(image_test::as_floats(im), ref.values, atol, 0.0)) << name;
}

TEST(ImageCodec, PngRoundTripIsExactForRgbAndRgba) {
  for (int ch : {3, 4}) {
    const Image im = test_pattern(37, 21, ch);
    const Image back = decode_image(encode_image(im, ImageFormat::Png));
    EXPECT_EQ(back.width, 37);
    EXPECT_EQ(back.height, 21);
    EXPECT_EQ(back.channels, ch);
    EXPECT_EQ(back.pixels, im.pixels);
  }
}

TEST(ImageCodec, PngVariantsDecodeAsPilDoes) {
  const std::string dir = testing::golden_dir() + "/image/";
  // 16-bit samples v * 257 reduce to exactly v; everything else is lossless.
  expect_matches_golden(read_image_file(dir + "rgb16.png"), "rgb16", 3, 0.0);
  expect_matches_golden(read_image_file(dir + "palette_trns.png"), "palette_trns", 4, 0.0);
  expect_matches_golden(read_image_file(dir + "grey.png"), "grey", 3, 0.0);
  expect_matches_golden(read_image_file(dir + "grey_alpha.png"), "grey_alpha", 4, 0.0);
  expect_matches_golden(read_image_file(dir + "interlaced.png"), "interlaced", 3, 0.0);
}

TEST(ImageCodec, JpegVariantsDecodeAsLibjpegThroughPil) {
  const std::string dir = testing::golden_dir() + "/image/";
  // Same libjpeg-turbo as PIL, default (islow) IDCT: identical pixels expected; CMYK goes
  // through our own conversion, PIL's differs by rounding, so allow 2 levels there.
  expect_matches_golden(read_image_file(dir + "baseline.jpg"), "baseline_jpg", 3, 0.0);
  expect_matches_golden(read_image_file(dir + "progressive.jpg"), "progressive_jpg", 3, 0.0);
  expect_matches_golden(read_image_file(dir + "grey.jpg"), "grey_jpg", 3, 0.0);
  expect_matches_golden(read_image_file(dir + "cmyk.jpg"), "cmyk_jpg", 3, 2.0);
}

TEST(ImageCodec, JpegExifOrientationIsApplied) {
  const Image im = read_image_file(testing::golden_dir() + "/image/exif_rot6.jpg");
  // Stored 32x20, orientation 6 displays it rotated: 20x32.
  EXPECT_EQ(im.width, 20);
  EXPECT_EQ(im.height, 32);
  expect_matches_golden(im, "exif_rot6_jpg", 3, 0.0);
}

TEST(ImageCodec, WebpLosslessWithAlphaDecodes) {
  expect_matches_golden(read_image_file(testing::golden_dir() + "/image/alpha_lossless.webp"),
                        "alpha_lossless_webp", 4, 0.0);
}

TEST(ImageCodec, LossyRoundTripsStayClose) {
  const Image im = read_image_file(testing::golden_dir() + "/image/resize_src.png");  // a photo
  EncodeOptions opts;
  opts.quality = 95;
  EXPECT_GT(psnr(decode_image(encode_image(im, ImageFormat::Jpeg, opts)), im), 30.0);
  EXPECT_GT(psnr(decode_image(encode_image(im, ImageFormat::Webp, opts)), im), 30.0);
  opts.lossless = true;
  const Image rgba = test_pattern(33, 17, 4);
  EXPECT_EQ(decode_image(encode_image(rgba, ImageFormat::Webp, opts)).pixels, rgba.pixels);
}

TEST(ImageCodec, RealPhotoDecodes) {
  const Image im = read_image_file(testing::shared_data_path("images/astronaut.png"));
  EXPECT_EQ(im.width, 512);
  EXPECT_EQ(im.height, 512);
  EXPECT_EQ(im.channels, 3);
}

TEST(ImageCodec, PngTextChunksRoundTrip) {
  EncodeOptions opts;
  opts.png_text = {{"parameters", "a cat\nSteps: 20, Sampler: Euler"},
                   {"prompt", "{\"1\": \"caf\xc3\xa9 \xe2\x98\x95\"}"}};  // non-ASCII -> iTXt
  const auto bytes = encode_image(test_pattern(8, 8, 3), ImageFormat::Png, opts);
  const auto text = read_png_text(bytes);
  ASSERT_EQ(text.size(), 2u);
  EXPECT_EQ(text.at("parameters"), opts.png_text[0].second);
  EXPECT_EQ(text.at("prompt"), opts.png_text[1].second);
}

TEST(ImageCodec, FormatDetectionAndExtensions) {
  EXPECT_EQ(image_format_from_path("x/OUT.PNG"), ImageFormat::Png);
  EXPECT_EQ(image_format_from_path("a.jpeg"), ImageFormat::Jpeg);
  EXPECT_EQ(image_format_from_path("a.webp"), ImageFormat::Webp);
  EXPECT_THROW(image_format_from_path("a.gif"), ImageError);
  const std::vector<std::uint8_t> junk = {'G', 'I', 'F', '8', '9', 'a', 0, 0, 0, 0, 0, 0};
  EXPECT_THROW(decode_image(junk), ImageError);
  EXPECT_THROW(decode_image(std::vector<std::uint8_t>{}), ImageError);
}

TEST(ImageCodec, LimitsRefuseLargeImagesBeforeDecoding) {
  ImageLimits small;
  small.max_pixels = 100;
  for (ImageFormat f : {ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Webp}) {
    const auto bytes = encode_image(test_pattern(16, 16, 3), f);
    try {
      decode_image(bytes, small);
      ADD_FAILURE() << image_format_name(f) << ": 256 pixels passed a 100-pixel limit";
    } catch (const ImageError& e) {
      EXPECT_NE(std::string(e.what()).find("exceeds"), std::string::npos) << e.what();
    }
  }
}

void put_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

TEST(ImageCodec, GiantDeclaredDimensionsAreRefused) {
  // PNG: IHDR rewritten to 60000x60000 with a valid CRC (a decompression-bomb header).
  auto png = encode_image(test_pattern(8, 8, 3), ImageFormat::Png);
  put_be32(&png[16], 60000);
  put_be32(&png[20], 60000);
  put_be32(&png[29], static_cast<std::uint32_t>(crc32(0, &png[12], 17)));
  EXPECT_THROW(decode_image(png), ImageError);
  // JPEG: the SOF0 height/width fields set to 65000.
  auto jpg = encode_image(test_pattern(8, 8, 3), ImageFormat::Jpeg);
  bool patched = false;
  for (std::size_t i = 2; i + 9 < jpg.size(); ++i) {
    if (jpg[i] == 0xff && jpg[i + 1] == 0xc0) {
      jpg[i + 5] = 0xfd, jpg[i + 6] = 0xe8, jpg[i + 7] = 0xfd, jpg[i + 8] = 0xe8;
      patched = true;
      break;
    }
  }
  ASSERT_TRUE(patched);
  EXPECT_THROW(decode_image(jpg), ImageError);
  // WebP (lossy VP8): 14-bit width/height fields at bytes 26..29 set to 16383.
  auto webp = encode_image(test_pattern(8, 8, 3), ImageFormat::Webp);
  ASSERT_EQ(std::memcmp(&webp[12], "VP8 ", 4), 0);
  webp[26] = 0xff, webp[27] = 0x3f, webp[28] = 0xff, webp[29] = 0x3f;
  EXPECT_THROW(decode_image(webp), ImageError);
}

// Every prefix of a valid file (stepping through headers byte by byte) must give an ImageError.
TEST(ImageCodec, TruncatedFilesGiveClearErrors) {
  EncodeOptions opts;
  opts.png_text = {{"parameters", "x"}};
  for (ImageFormat f : {ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Webp}) {
    const auto full = encode_image(test_pattern(40, 24, 3), f, opts);
    int refused = 0;
    for (std::size_t len = 0; len < full.size(); len += (len < 200 ? 1 : 7)) {
      std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<long>(len));
      try {
        decode_image(cut);
        ADD_FAILURE() << image_format_name(f) << " truncated to " << len << " of " << full.size()
                      << " bytes decoded without error";
      } catch (const ImageError&) {
        ++refused;
      }
    }
    EXPECT_GT(refused, 100) << image_format_name(f);
  }
}

// Random byte flips: decoding may succeed (the damage can land in pixel data) but must never
// crash or throw anything but ImageError.
TEST(ImageCodec, BitFlippedFilesNeverCrash) {
  std::mt19937 rng(1234);
  for (ImageFormat f : {ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Webp}) {
    const auto full = encode_image(test_pattern(40, 24, 4), f);
    int errors = 0;
    for (int trial = 0; trial < 300; ++trial) {
      auto bad = full;
      const int flips = 1 + trial % 4;
      for (int k = 0; k < flips; ++k) {
        bad[rng() % bad.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      }
      try {
        const Image im = decode_image(bad);
        EXPECT_EQ(im.pixels.size(), im.row_bytes() * im.height);
      } catch (const ImageError&) {
        ++errors;
      }
    }
    // PNG checks a CRC on every chunk, so nearly every flip must be caught there.
    if (f == ImageFormat::Png) {
      EXPECT_GT(errors, 250);
    }
  }
}

TEST(ImageCodec, PngTextReaderRejectsDamage) {
  EncodeOptions opts;
  opts.png_text = {{"parameters", "hello"}};
  auto png = encode_image(test_pattern(8, 8, 3), ImageFormat::Png, opts);
  for (std::size_t len = 0; len < png.size(); ++len) {
    std::vector<std::uint8_t> cut(png.begin(), png.begin() + static_cast<long>(len));
    EXPECT_THROW(read_png_text(cut), ImageError) << len;
  }
  png[40] ^= 0x10;  // inside the first chunks: some CRC must fail
  EXPECT_THROW(read_png_text(png), ImageError);
}

TEST(ImageCodec, EncoderRejectsInvalidImages) {
  Image bad;
  EXPECT_THROW(encode_image(bad, ImageFormat::Png), ImageError);
  Image im = test_pattern(4, 4, 3);
  im.pixels.pop_back();
  EXPECT_THROW(encode_image(im, ImageFormat::Jpeg), ImageError);
  EncodeOptions opts;
  opts.quality = 0;
  EXPECT_THROW(encode_image(test_pattern(4, 4, 3), ImageFormat::Webp, opts), ImageError);
}

}  // namespace
}  // namespace pixforge
