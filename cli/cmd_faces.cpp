// `pixforge faces -i photo.jpg`: BlazeFace detections as JSON (boxes, scores, 6 keypoints, in
// pixels). Face data is printed for the caller and never written anywhere by the engine (P3).
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "command.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "pixforge/vision/faces.h"

namespace {

struct FacesOptions {
  std::string input;
  pixforge::vision::FaceOptions detect;
};

void run_faces(const FacesOptions& o) {
  using namespace pixforge;
  auto backend = make_cpu_backend();
  const vision::FaceDetector det(*backend);
  const Image img = read_image_file(o.input);
  nlohmann::ordered_json j;
  j["width"] = img.width;
  j["height"] = img.height;
  j["faces"] = nlohmann::json::array();
  static const char* kNames[] = {"right_eye", "left_eye", "nose", "mouth", "right_ear", "left_ear"};
  for (const auto& f : det.detect(img, o.detect)) {
    nlohmann::ordered_json face;
    face["box"] = {f.x0, f.y0, f.x1, f.y1};
    face["score"] = f.score;
    for (int k = 0; k < 6; ++k) face["keypoints"][kNames[k]] = {f.keypoints[k][0], f.keypoints[k][1]};
    j["faces"].push_back(face);
  }
  std::printf("%s\n", j.dump(2).c_str());
}

}  // namespace

PIXFORGE_COMMAND("faces", [](CLI::App& app) {
  auto o = std::make_shared<FacesOptions>();
  auto* cmd = app.add_subcommand("faces", "Detect faces (BlazeFace); prints boxes, scores and keypoints as JSON");
  cmd->add_option("-i,--input", o->input, "Image (PNG, JPEG, WebP)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--min-score", o->detect.min_score, "Minimum detection score")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--iou", o->detect.iou_threshold, "Overlap above which detections merge")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-faces", o->detect.max_faces, "Most faces to report")->check(CLI::Range(1, 1000));
  cmd->callback([o] { run_faces(*o); });
});
