// The vision commands as a user runs them: the real `pixforge` binary on the shared photos
// (`segment`, `faces --landmarks`, `upscale`, `moderate`) and `safety check`, their JSON, the
// files they write checked against the library API, and their error paths (non-zero status, a
// message naming the problem, nothing on stdout, nothing written).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models_path.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "pixforge/vision/facemesh.h"
#include "pixforge/vision/faces.h"
#include "pixforge/vision/nsfw.h"
#include "pixforge/vision/selfie.h"
#include "testing/paths.h"
#include "testing/subprocess.h"

namespace pixforge::vision {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using pixforge::testing::ProcessResult;

// CLI11's status for a failed check (missing input file, bad value) and for an unknown flag.
constexpr int kValidationStatus = 105;
constexpr int kExtrasStatus = 109;

class VisionCli : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::remove_all(root_);
    fs::create_directories(out_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // Why the test cannot run (empty when it can): these tests need the real weights installed.
  static std::string missing(const std::string& relative, const std::string& group) {
    const std::string p = pixforge::testing::models_dir() + "/" + relative;
    if (fs::exists(p)) return {};
    return "model " + p + " is not installed: run `pixforge models install " + group + "`";
  }

  // `pixforge <args...>` with the test's model folder (or `models`), run in the (empty) output
  // folder so that any file it writes unasked shows there.
  ProcessResult pixforge(std::vector<std::string> args, const std::string& stdin_text = {},
                         const std::string& models = pixforge::testing::models_dir()) const {
    args.insert(args.begin(), PIXFORGE_CLI_PATH);
    return pixforge::testing::run_process(
        args, {.env = {{"PIXFORGE_MODELS", fs::absolute(models).string()}},
               .stdin_text = stdin_text,
               .cwd = out_.string()});
  }

  // A path in the folder the commands write to, empty at the start of each test.
  std::string temp(const std::string& name) const { return (out_ / name).string(); }
  bool wrote_nothing() const { return fs::is_empty(out_); }
  // A path beside that folder, for inputs the test writes.
  std::string input(const std::string& name) const { return (root_ / name).string(); }

  // Absolute: the commands run in another working directory.
  static std::string photo(const std::string& name) {
    return fs::absolute(pixforge::testing::shared_data_path("images/" + name)).string();
  }

  // A PNG cut off halfway through its pixel data.
  std::string corrupt_png() const {
    const std::string path = input("corrupt.png");
    Image img = Image::blank(64, 64, 3);
    for (std::size_t i = 0; i < img.pixels.size(); ++i)
      img.pixels[i] = static_cast<std::uint8_t>((i * 37) % 251);
    const auto bytes = encode_image(img, ImageFormat::Png);
    write_file(path, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + bytes.size() / 2));
    return path;
  }

  static void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr) << path;
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }

 private:
  fs::path root_ = fs::path(PIXFORGE_VISION_TEST_WORK) / ("cli_" + std::to_string(::getpid()));
  fs::path out_ = root_ / "out";
};

// Skips the test, saying why, when a model it needs is not installed.
#define PIXFORGE_NEED_MODEL(relative, group) \
  if (const std::string why = VisionCli::missing(relative, group); !why.empty()) GTEST_SKIP() << why

// Runs that must fail: a status that is neither success nor a crash, the expected words in the
// message, no JSON on stdout.
void expect_refused(const ProcessResult& r, int status, const std::string& message) {
  EXPECT_EQ(r.status, status) << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << "stderr: " << r.err;
  EXPECT_TRUE(r.out.empty()) << "stdout: " << r.out;
}

// Intersection over union of the person pixels of two masks of the same size (>= 0.5).
double person_iou(const std::vector<float>& a, const std::vector<float>& b) {
  std::size_t inter = 0, uni = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    inter += (a[i] >= 0.5f && b[i] >= 0.5f) ? 1 : 0;
    uni += (a[i] >= 0.5f || b[i] >= 0.5f) ? 1 : 0;
  }
  return uni == 0 ? 1.0 : static_cast<double>(inter) / static_cast<double>(uni);
}

// The grey mask image as probabilities (its red channel / 255).
std::vector<float> mask_from_image(const Image& img) {
  std::vector<float> m(static_cast<std::size_t>(img.width) * img.height);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = img.pixels[i * img.channels] / 255.0f;
  return m;
}

// The CLI's mask against the library's on the same photo (bf16, as the CLI computes): person
// area IoU >= 0.99. Both run the same code, so they differ only where quantising the mask to 8
// bits moves a pixel across 0.5 (measured IoU 1.0).
void check_segment(const ProcessResult& r, const std::string& input, const std::string& mask_path) {
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  const Image img = read_image_file(input);
  EXPECT_EQ(j.at("width"), img.width);
  EXPECT_EQ(j.at("height"), img.height);
  EXPECT_EQ(j.at("mask"), mask_path);
  const Image mask = read_image_file(mask_path);
  ASSERT_EQ(mask.width, img.width);
  ASSERT_EQ(mask.height, img.height);

  auto backend = make_cpu_backend();
  const SegmentationMask lib =
      SelfieSegmenter(*backend, pixforge::testing::models_dir()).segment(img);
  const double iou = person_iou(mask_from_image(mask), lib.values);
  std::printf("[ cli      ] segment %s: IoU %.4f with the library, coverage %.3f\n",
              fs::path(input).filename().c_str(), iou, j.at("person_coverage").get<double>());
  EXPECT_GE(iou, 0.99);
  EXPECT_NEAR(j.at("person_coverage").get<double>(), lib.coverage(), 1e-3);
}

TEST_F(VisionCli, P3_segment_writes_a_mask_and_cutout_of_the_input_size) {
  PIXFORGE_NEED_MODEL("faces/selfie.json", "faces");
  const std::string mask = temp("mask.png"), cut = temp("cut.webp");
  const ProcessResult r =
      pixforge({"segment", "-i", photo("astronaut.png"), "-o", mask, "--cutout", cut});
  check_segment(r, photo("astronaut.png"), mask);
  const json j = json::parse(r.out);
  EXPECT_EQ(j.at("cutout"), cut);
  // Exactly the two files asked for (no temporaries left, nothing else stored).
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(fs::path(mask).parent_path())) {
    files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"cut.webp", "mask.png"}));
  // About half the astronaut photo is person (the library test measures 0.54).
  EXPECT_GT(j.at("person_coverage").get<double>(), 0.3);
  EXPECT_LT(j.at("person_coverage").get<double>(), 0.8);
  // The cut-out is the photo with the mask as alpha (lossy WebP: colours within a few levels).
  const Image c = read_image_file(cut), m = read_image_file(mask);
  ASSERT_EQ(c.channels, 4);
  ASSERT_EQ(c.width, m.width);
  std::size_t alpha_off = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(c.width) * c.height; ++i) {
    alpha_off += std::abs(c.pixels[4 * i + 3] - m.pixels[i * m.channels]) > 8 ? 1 : 0;
  }
  EXPECT_LT(alpha_off, static_cast<std::size_t>(c.width) * c.height / 100);
}

TEST_F(VisionCli, P3_segment_keeps_a_wide_photo_s_size) {
  PIXFORGE_NEED_MODEL("faces/selfie.json", "faces");
  const std::string mask = temp("coffee_mask.png");
  check_segment(pixforge({"segment", "-i", photo("coffee.png"), "-o", mask}), photo("coffee.png"),
                mask);
}

TEST_F(VisionCli, P3_segment_errors_write_nothing) {
  const std::string out = temp("m.png");
  expect_refused(pixforge({"segment", "-i", temp("missing.png"), "-o", out}), kValidationStatus,
                 "does not exist");
  expect_refused(pixforge({"segment", "-i", corrupt_png(), "-o", out}), 1, "corrupt");
  expect_refused(pixforge({"segment", "-i", photo("coffee.png"), "-o", out, "--bogus"}),
                 kExtrasStatus, "--bogus");
  expect_refused(pixforge({"segment", "-i", photo("coffee.png"), "-o", temp("m.bmp")}),
                 kValidationStatus, "cannot tell the image format");
  expect_refused(pixforge({"segment", "-i", photo("coffee.png"), "-o", temp("no/m.png")}),
                 kValidationStatus, "does not exist");
  // A cut-out needs alpha; JPEG would silently put the person on white.
  expect_refused(
      pixforge({"segment", "-i", photo("coffee.png"), "-o", out, "--cutout", temp("c.jpg")}),
      kValidationStatus, "JPEG has no alpha");
  expect_refused(
      pixforge({"segment", "-i", photo("coffee.png"), "-o", out, "--cutout", temp("no/c.png")}),
      kValidationStatus, "does not exist");
  // Without the model: the install command in the message, no mask.
  expect_refused(pixforge({"segment", "-i", photo("coffee.png"), "-o", out}, "", input("none")), 1,
                 "pixforge models install faces");
  EXPECT_TRUE(wrote_nothing());
}

// `faces --landmarks` on the astronaut: one face, its box and keypoints inside the photo, 468
// landmarks inside the photo and the face box, and the same points as the library API.
TEST_F(VisionCli, P3_faces_landmarks_json) {
  for (const char* model : {"faces/blazeface.json", "faces/facemesh.json"}) {
    PIXFORGE_NEED_MODEL(model, "faces");
  }
  const ProcessResult r = pixforge({"faces", "-i", photo("astronaut.png"), "--landmarks"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(wrote_nothing()) << "face data must not be stored (P3)";
  const json j = json::parse(r.out);
  ASSERT_EQ(j.at("width"), 512);
  ASSERT_EQ(j.at("height"), 512);
  ASSERT_EQ(j.at("faces").size(), 1u);
  const json& face = j.at("faces")[0];
  const auto box = face.at("box").get<std::vector<float>>();
  ASSERT_EQ(box.size(), 4u);
  EXPECT_TRUE(0 <= box[0] && box[0] < box[2] && box[2] <= 512) << face.at("box");
  EXPECT_TRUE(0 <= box[1] && box[1] < box[3] && box[3] <= 512) << face.at("box");
  EXPECT_GT(face.at("score").get<float>(), 0.5f);
  for (const char* k : {"right_eye", "left_eye", "nose", "mouth", "right_ear", "left_ear"}) {
    const auto p = face.at("keypoints").at(k).get<std::vector<float>>();
    ASSERT_EQ(p.size(), 2u) << k;
    EXPECT_TRUE(box[0] <= p[0] && p[0] <= box[2] && box[1] <= p[1] && p[1] <= box[3]) << k;
  }
  // BlazeFace's box is a tight square on the face; facemesh's contour reaches a little past it
  // (the forehead, measured 4.7 px = 4.5 % of the box above it), so the points must lie in the
  // box grown by 10 % of its side.
  const auto& lm = face.at("landmarks");
  EXPECT_GT(lm.at("face_score").get<float>(), 0.9f);
  const auto points = lm.at("points").get<std::vector<std::vector<float>>>();
  ASSERT_EQ(points.size(), 468u);
  const float margin = 0.1f * (box[2] - box[0]);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    ASSERT_EQ(p.size(), 3u);
    EXPECT_TRUE(p[0] >= 0 && p[0] < 512 && p[1] >= 0 && p[1] < 512) << "point " << i;
    EXPECT_TRUE(p[0] >= box[0] - margin && p[0] <= box[2] + margin && p[1] >= box[1] - margin &&
                p[1] <= box[3] + margin)
        << "point " << i << " (" << p[0] << ", " << p[1] << ")";
  }
  const auto centre = lm.at("crop").at("center").get<std::vector<float>>();
  EXPECT_TRUE(box[0] < centre[0] && centre[0] < box[2] && box[1] < centre[1] && centre[1] < box[3]);

  // The same code as the library on the same bf16 backend: within 0.01 px (only a different
  // thread count could change a summation order; measured 0).
  auto backend = make_cpu_backend();
  const Image img = read_image_file(photo("astronaut.png"));
  const auto faces = FaceDetector(*backend, pixforge::testing::models_dir()).detect(img);
  ASSERT_EQ(faces.size(), 1u);
  const FaceLandmarks ref =
      FaceMesh(*backend, pixforge::testing::models_dir()).landmarks(img, faces[0]);
  EXPECT_NEAR(box[0], faces[0].x0, 1e-2);
  EXPECT_NEAR(box[3], faces[0].y1, 1e-2);
  double worst = 0;
  for (std::size_t i = 0; i < 468; ++i) {
    worst = std::max({worst, std::abs(points[i][0] - double{ref.points[i][0]}),
                      std::abs(points[i][1] - double{ref.points[i][1]})});
  }
  EXPECT_LE(worst, 1e-2);
}

TEST_F(VisionCli, P3_faces_none_in_a_photo_without_people) {
  for (const char* model : {"faces/blazeface.json", "faces/facemesh.json"}) {
    PIXFORGE_NEED_MODEL(model, "faces");
  }
  const ProcessResult r = pixforge({"faces", "-i", photo("coffee.png"), "--landmarks"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j.at("width"), 600);
  EXPECT_EQ(j.at("height"), 400);
  EXPECT_TRUE(j.at("faces").is_array());
  EXPECT_TRUE(j.at("faces").empty());
}

TEST_F(VisionCli, P3_faces_errors) {
  expect_refused(pixforge({"faces", "-i", temp("missing.png")}), kValidationStatus,
                 "does not exist");
  expect_refused(pixforge({"faces", "-i", corrupt_png(), "--landmarks"}), 1, "corrupt");
  expect_refused(pixforge({"faces", "-i", photo("coffee.png"), "--bogus"}), kExtrasStatus,
                 "--bogus");
  expect_refused(pixforge({"faces", "-i", photo("coffee.png"), "--min-score", "2"}),
                 kValidationStatus, "--min-score");
  expect_refused(pixforge({"faces", "-i", photo("coffee.png")}, "", input("none")), 1,
                 "pixforge models install faces");
  EXPECT_TRUE(wrote_nothing());
}

// x2 of a 48x40 crop of the coffee photo: the output is twice the size and quiet with -q.
TEST_F(VisionCli, F6_upscale_writes_the_scaled_image) {
  PIXFORGE_NEED_MODEL("upscaler/slim/x2/model.json", "upscaler");
  const Image full = read_image_file(photo("coffee.png"));
  Image small = Image::blank(48, 40, 3);
  for (int y = 0; y < 40; ++y) {
    std::copy_n(&full.pixels[(static_cast<std::size_t>(y + 200) * full.width + 300) * 3], 48 * 3,
                &small.pixels[static_cast<std::size_t>(y) * 48 * 3]);
  }
  const std::string in = input("small.png"), out = temp("big.jpg");
  write_image_file(in, small);
  const ProcessResult r = pixforge({"upscale", "-i", in, "--scale", "2", "-q", "-o", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  const Image big = read_image_file(out);
  EXPECT_EQ(big.width, 96);
  EXPECT_EQ(big.height, 80);
  // Without -q, progress goes to stderr; not to a terminal here, so as plain lines.
  const ProcessResult loud = pixforge({"upscale", "-i", in, "--scale", "2", "-o", out});
  ASSERT_EQ(loud.status, 0) << loud.err;
  EXPECT_NE(loud.err.find("upscale 1/1 tiles\n"), std::string::npos) << loud.err;
  EXPECT_EQ(loud.err.find('\r'), std::string::npos) << loud.err;
  EXPECT_TRUE(loud.out.empty()) << loud.out;
}

TEST_F(VisionCli, F6_upscale_errors_write_nothing) {
  const std::string out = temp("big.png");
  expect_refused(pixforge({"upscale", "-i", temp("missing.png"), "-o", out}), kValidationStatus,
                 "does not exist");
  expect_refused(pixforge({"upscale", "-i", corrupt_png(), "-o", out}), 1, "corrupt");
  expect_refused(pixforge({"upscale", "-i", photo("coffee.png"), "-o", out, "--bogus"}),
                 kExtrasStatus, "--bogus");
  expect_refused(pixforge({"upscale", "-i", photo("coffee.png"), "-o", temp("big.gif")}),
                 kValidationStatus, "cannot tell the image format");
  expect_refused(pixforge({"upscale", "-i", photo("coffee.png"), "-o", out, "--scale", "5"}),
                 kValidationStatus, "--scale");
  expect_refused(pixforge({"upscale", "-i", photo("coffee.png"), "-o", out, "--model", "huge"}),
                 kValidationStatus, "--model");
  // --fill only means something with --4k, and --4k picks the scale itself.
  expect_refused(pixforge({"upscale", "-i", photo("coffee.png"), "-o", out, "--fill"}), 107,
                 "--fill requires --4k");
  expect_refused(
      pixforge({"upscale", "-i", photo("coffee.png"), "-o", out, "--4k", "--scale", "2"}), 108,
      "excludes");
  expect_refused(pixforge({"upscale", "-i", photo("coffee.png"), "-o", out}, "", input("none")), 1,
                 "pixforge models install upscaler");
  EXPECT_TRUE(wrote_nothing());
}

// `moderate` prints the library's probabilities (same code and backend: within 1e-4) and the
// coffee photo is Neutral and not flagged.
TEST_F(VisionCli, P9_moderate_json_matches_the_library) {
  PIXFORGE_NEED_MODEL("nsfw/mobilenet_v2/model.json", "nsfw");
  const ProcessResult r = pixforge({"moderate", "-i", photo("coffee.png")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(wrote_nothing());
  const json j = json::parse(r.out);
  EXPECT_EQ(j.at("model"), "mobilenet");
  EXPECT_EQ(j.at("top"), "Neutral");
  EXPECT_EQ(j.at("flagged"), false);
  auto backend = make_cpu_backend();
  const ModerationResult ref = NsfwClassifier(*backend, pixforge::testing::models_dir())
                                   .classify(read_image_file(photo("coffee.png")));
  double sum = 0;
  for (int c = 0; c < kNsfwClasses; ++c) {
    const std::string name(nsfw_class_name(static_cast<NsfwClass>(c)));
    const double p = j.at("probabilities").at(name).get<double>();
    EXPECT_NEAR(p, ref.probabilities[c], 1e-4) << name;
    sum += p;
  }
  EXPECT_NEAR(sum, 1.0, 1e-4);
}

TEST_F(VisionCli, P9_moderate_errors) {
  expect_refused(pixforge({"moderate", "-i", temp("missing.png")}), kValidationStatus,
                 "does not exist");
  expect_refused(pixforge({"moderate", "-i", corrupt_png()}), 1, "corrupt");
  expect_refused(pixforge({"moderate", "-i", photo("coffee.png"), "--bogus"}), kExtrasStatus,
                 "--bogus");
  expect_refused(pixforge({"moderate", "-i", photo("coffee.png"), "--model", "vgg"}),
                 kValidationStatus, "--model");
  expect_refused(pixforge({"moderate", "-i", photo("coffee.png"), "--porn", "1.5"}),
                 kValidationStatus, "--porn");
  expect_refused(pixforge({"moderate", "-i", photo("coffee.png")}, "", input("none")), 1,
                 "pixforge models install nsfw");
  EXPECT_TRUE(wrote_nothing());
}

// `safety check` from the argument and from stdin gives the same decision; a rewrite reinforces
// the negative prompt.
TEST_F(VisionCli, P8_safety_check_json) {
  const ProcessResult a = pixforge({"safety", "check", "a lighthouse at dusk"});
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(json::parse(a.out).at("action"), "allow");
  const ProcessResult b = pixforge({"safety", "check", "--stdin"}, "a lighthouse at dusk\n");
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(json::parse(a.out), json::parse(b.out));
  const ProcessResult c =
      pixforge({"safety", "check", "a nude woman on a beach", "--negative", "blurry"});
  ASSERT_EQ(c.status, 0) << c.err;
  const json d = json::parse(c.out);
  EXPECT_EQ(d.at("action"), "rewrite");
  EXPECT_NE(d.at("negative_prompt").get<std::string>().find("blurry"), std::string::npos);
}

// Refusals name the flag, never echo the prompt (P8: prompts are not logged).
TEST_F(VisionCli, P8_safety_check_errors_do_not_echo_the_prompt) {
  const std::string secret = "zebra-unicorn-7731";
  expect_refused(pixforge({"safety", "check"}), kValidationStatus, "give a prompt or --stdin");
  expect_refused(pixforge({"safety", "check", secret, "--bogus"}), kExtrasStatus, "--bogus");
  expect_refused(pixforge({"safety", "check", secret, "--stdin"}, "x"), 108, "excludes");
  expect_refused(pixforge({"safety", "check", secret, "--fail-closed"}), 107,
                 "--fail-closed requires --reviewer");
  expect_refused(pixforge({"safety", "check", secret, "--rules", temp("none.json")}),
                 kValidationStatus, "does not exist");
  const std::string rules = input("bad.json");
  write_file(rules, {'{', 'b', 'a', 'd'});
  expect_refused(pixforge({"safety", "check", secret, "--rules", rules}), 1, "not valid JSON");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"safety", "check", secret, "--bogus"}, {"safety", "check", secret, "--fail-closed"}}) {
    const ProcessResult r = pixforge(args);
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  }
  expect_refused(pixforge({"safety"}), 106, "subcommand");
}

}  // namespace
}  // namespace pixforge::vision
