// `pixforge upscale -i in.jpg --scale 4 [--model slim|medium|thick] [--4k [--fill]] -o out.png`:
// ESRGAN super-resolution (F6) in tiles, with a progress bar on stderr.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "image_output.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/image/codec.h"
#include "pixforge/vision/upscaler.h"

namespace {

struct UpscaleOptions {
  std::string input, output, model = "slim";
  int scale = 4;
  bool four_k = false, fill = false, f32 = false, quiet = false;
  int tile = 128, overlap = 16;
};

// A bar redrawn in place on a terminal; in a log or pipe, a plain line at each tenth of the
// tiles instead of a line full of carriage returns.
void progress_bar(int done, int total) {
  static const bool tty = ::isatty(::fileno(stderr)) != 0;
  if (!tty) {
    if (total > 0 && (done == total || done * 10 / total != (done - 1) * 10 / total)) {
      std::fprintf(stderr, "upscale %d/%d tiles\n", done, total);
    }
    return;
  }
  constexpr int kWidth = 30;
  const int filled = total > 0 ? done * kWidth / total : kWidth;
  std::fprintf(stderr, "\rupscale [%.*s%*s] %d/%d tiles", filled, "##############################",
               kWidth - filled, "", done, total);
  if (done == total) std::fprintf(stderr, "\n");
}

void run_upscale(const UpscaleOptions& o) {
  using namespace pixforge;
  const Image in = read_image_file(o.input);
  const int scale = o.four_k ? vision::scale_for_4k(in.width, in.height, o.fill) : o.scale;
  auto backend = make_cpu_backend({.compute_type = o.f32 ? DType::F32 : DType::BF16, .threads = 0});
  const vision::Upscaler up(vision::parse_upscaler_model(o.model), scale, *backend);
  vision::TileOptions tiles;
  tiles.tile = o.tile;
  tiles.overlap = o.overlap;
  if (!o.quiet) tiles.progress = progress_bar;
  Image out = up.upscale(in, tiles);
  if (o.four_k) out = vision::to_4k(out, o.fill);
  write_image_file(o.output, out);
  if (!o.quiet)
    std::fprintf(stderr, "wrote %dx%d (x%d, %s)\n", out.width, out.height, scale, o.model.c_str());
}

}  // namespace

PIXFORGE_COMMAND("upscale", [](CLI::App& app) {
  auto o = std::make_shared<UpscaleOptions>();
  auto* cmd =
      app.add_subcommand("upscale", "Upscale an image with an ESRGAN model (x2/x3/x4/x8, or --4k)");
  cmd->add_option("-i,--input", o->input, "Input image (PNG, JPEG, WebP)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->output, "Output image; format from the extension")
      ->required()
      ->check(pixforge::cli::ImageOutput());
  auto* scale =
      cmd->add_option("--scale", o->scale, "Upscale factor")->check(CLI::IsMember({2, 3, 4, 8}));
  cmd->add_option("--model", o->model, "slim, medium or thick")
      ->check(CLI::IsMember({"slim", "medium", "thick"}));
  auto* four_k = cmd->add_flag(
      "--4k", o->four_k, "Produce exactly 3840x2160 (picks the scale; --fill crops, default fits)");
  // --4k picks the scale itself, and --fill means nothing without it: refuse rather than ignore.
  four_k->excludes(scale);
  cmd->add_flag("--fill", o->fill,
                "With --4k: cover the frame and crop instead of fitting with bars")
      ->needs(four_k);
  cmd->add_option("--tile", o->tile, "Input tile size in pixels (memory bound)")
      ->check(CLI::Range(16, 4096));
  cmd->add_option("--overlap", o->overlap, "Tile overlap in input pixels")
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("--f32", o->f32, "Compute in float32 (slower; default bfloat16)");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress output");
  cmd->callback([o] { run_upscale(*o); });
});
