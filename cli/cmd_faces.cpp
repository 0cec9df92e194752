// `pixforge faces -i photo.jpg [--landmarks]`: BlazeFace detections as JSON (boxes, scores,
// 6 keypoints, in pixels); with --landmarks, facemesh's 468 points per face, its face score and
// the eyes-level alignment of the crop. Face data is printed for the caller and never written
// anywhere by the engine (P3).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "pixforge/vision/facemesh.h"
#include "pixforge/vision/faces.h"

namespace {

struct FacesOptions {
  std::string input;
  bool landmarks = false;
  pixforge::vision::FaceOptions detect;
};

nlohmann::ordered_json mesh_json(const pixforge::vision::FaceLandmarks& lm) {
  nlohmann::ordered_json j;
  j["face_score"] = lm.face_score;
  nlohmann::ordered_json pts = nlohmann::json::array();
  for (const auto& p : lm.points) pts.push_back({p[0], p[1], p[2]});
  j["points"] = std::move(pts);
  const auto& a = lm.alignment;
  j["crop"] = {{"center", {a.center_x, a.center_y}},
               {"side", a.side},
               {"angle_degrees", a.angle * 57.29577951f}};
  return j;
}

void run_faces(const FacesOptions& o) {
  using namespace pixforge;
  // The input first: a corrupt image fails before the models load.
  const Image img = read_image_file(o.input);
  auto backend = make_cpu_backend();
  const vision::FaceDetector det(*backend);
  const std::unique_ptr<vision::FaceMesh> mesh =
      o.landmarks ? std::make_unique<vision::FaceMesh>(*backend) : nullptr;
  nlohmann::ordered_json j;
  j["width"] = img.width;
  j["height"] = img.height;
  j["faces"] = nlohmann::json::array();
  static const char* kNames[] = {"right_eye", "left_eye", "nose", "mouth", "right_ear", "left_ear"};
  for (const auto& f : det.detect(img, o.detect)) {
    nlohmann::ordered_json face;
    face["box"] = {f.x0, f.y0, f.x1, f.y1};
    face["score"] = f.score;
    for (int k = 0; k < 6; ++k)
      face["keypoints"][kNames[k]] = {f.keypoints[k][0], f.keypoints[k][1]};
    if (mesh) face["landmarks"] = mesh_json(mesh->landmarks(img, f));
    j["faces"].push_back(face);
  }
  std::printf("%s\n", j.dump(2).c_str());
}

}  // namespace

PIXFORGE_COMMAND("faces", [](CLI::App& app) {
  auto o = std::make_shared<FacesOptions>();
  auto* cmd = app.add_subcommand(
      "faces", "Detect faces (BlazeFace); prints boxes, scores and keypoints as JSON");
  cmd->add_option("-i,--input", o->input, "Image (PNG, JPEG, WebP)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--min-score", o->detect.min_score, "Minimum detection score")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--iou", o->detect.iou_threshold, "Overlap above which detections merge")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-faces", o->detect.max_faces, "Most faces to report")
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--landmarks", o->landmarks,
                "Add facemesh's 468 landmarks (x, y, z in pixels) per face");
  cmd->callback([o] { run_faces(*o); });
});
