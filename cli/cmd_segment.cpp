// `pixforge segment -i photo.jpg -o mask.png [--cutout person.png]`: person segmentation with
// the selfie model; writes the mask (grey: white is person) and optionally the photo with the
// mask as its alpha channel, and prints the person coverage as JSON. Only the files the user
// names are written; image bytes are never logged.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "image_output.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "pixforge/vision/selfie.h"

namespace {

struct SegmentOptions {
  std::string input, output, cutout;
};

void run_segment(const SegmentOptions& o) {
  using namespace pixforge;
  // The input first: a corrupt image fails before the model loads.
  const Image img = read_image_file(o.input);
  auto backend = make_cpu_backend();
  const vision::SelfieSegmenter seg(*backend);
  const vision::SegmentationMask mask = seg.segment(img);
  write_image_file(o.output, vision::mask_image(mask));
  if (!o.cutout.empty()) {
    // A failed run leaves no output behind: the mask goes if the cut-out cannot be written.
    try {
      write_image_file(o.cutout, vision::cutout(img, mask));
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove(o.output, ec);
      throw;
    }
  }
  nlohmann::ordered_json j;
  j["width"] = mask.width;
  j["height"] = mask.height;
  j["person_coverage"] = mask.coverage();
  j["mask"] = o.output;
  if (!o.cutout.empty()) j["cutout"] = o.cutout;
  std::printf("%s\n", j.dump(2).c_str());
}

}  // namespace

PIXFORGE_COMMAND("segment", [](CLI::App& app) {
  auto o = std::make_shared<SegmentOptions>();
  auto* cmd = app.add_subcommand(
      "segment", "Segment the person in a photo (selfie model); writes a mask image");
  cmd->add_option("-i,--input", o->input, "Image (PNG, JPEG, WebP)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->output, "Mask image to write (PNG, JPEG, WebP by extension)")
      ->required()
      ->check(pixforge::cli::ImageOutput());
  cmd->add_option("--cutout", o->cutout,
                  "Also write the photo with the mask as alpha (PNG or WebP)")
      ->check(pixforge::cli::ImageOutput(/*needs_alpha=*/true));
  cmd->callback([o] { run_segment(*o); });
});
