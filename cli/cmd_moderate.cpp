// `pixforge moderate -i image.png [--model mobilenet|mid|inception]`: nsfwjs class
// probabilities and the moderation decision (P9) as JSON. Image bytes are never logged.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "pixforge/vision/nsfw.h"

namespace {

struct ModerateOptions {
  std::string input;
  std::string model = "mobilenet";
  pixforge::vision::ModerationThresholds thresholds;
};

void run_moderate(const ModerateOptions& o) {
  using namespace pixforge;
  // The input first: a corrupt image fails before the model loads.
  const Image img = read_image_file(o.input);
  auto backend = make_cpu_backend();
  const vision::NsfwClassifier nsfw(*backend, vision::parse_nsfw_model(o.model));
  const vision::ModerationResult r = nsfw.classify(img, o.thresholds);
  nlohmann::ordered_json j;
  for (int c = 0; c < vision::kNsfwClasses; ++c) {
    j["probabilities"][std::string(vision::nsfw_class_name(static_cast<vision::NsfwClass>(c)))] =
        r.probabilities[c];
  }
  j["model"] = o.model;
  j["top"] = std::string(vision::nsfw_class_name(r.top));
  j["flagged"] = r.flagged;
  j["thresholds"] = {
      {"porn", o.thresholds.porn}, {"hentai", o.thresholds.hentai}, {"sexy", o.thresholds.sexy}};
  std::printf("%s\n", j.dump(2).c_str());
}

}  // namespace

PIXFORGE_COMMAND("moderate", [](CLI::App& app) {
  auto o = std::make_shared<ModerateOptions>();
  auto* cmd =
      app.add_subcommand("moderate", "Score an image with the NSFW classifier (P9); prints JSON");
  cmd->add_option("-i,--input", o->input, "Image (PNG, JPEG, WebP)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option(
         "--model", o->model,
         "Classifier: mobilenet (MobileNetV2), mid (MobileNetV2-mid), inception (InceptionV3)")
      ->check(CLI::IsMember({"mobilenet", "mid", "inception"}));
  cmd->add_option("--porn", o->thresholds.porn, "Flag at this Porn probability")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--hentai", o->thresholds.hentai, "Flag at this Hentai probability")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--sexy", o->thresholds.sexy, "Flag at this Sexy probability")
      ->check(CLI::Range(0.0, 1.0));
  cmd->callback([o] { run_moderate(*o); });
});
