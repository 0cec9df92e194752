// The seam between the service and the engine: the worker thread calls a Generator to turn
// parameters into images. The engine-backed implementation lives in engine_generator.cpp;
// when no pipeline or model is available the service has no Generator and its generation
// endpoints answer 503 "model_not_loaded" (never a placeholder image).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pixforge::service {

// 8-bit interleaved pixels, row-major, `channels` 3 (RGB) or 4 (RGBA).
struct Image {
  int width = 0;
  int height = 0;
  int channels = 3;
  std::vector<std::uint8_t> pixels;
  // PNG text chunks (keyword, text) stored with the image: only the A1111 `parameters` of an
  // output, added by the service. Decoders never fill it, so no input metadata survives.
  std::vector<std::pair<std::string, std::string>> text = {};
};

// A1111's inpainting choices for a masked img2img (a1111_request.cpp maps its fields here; the
// engine generator hands them to the pipeline's GenerationParams of the same meaning).
enum class MaskedContent { Original, Fill, LatentNoise, LatentNothing };  // inpainting_fill 1 0 2 3
struct InpaintOptions {
  MaskedContent content = MaskedContent::Original;
  bool only_masked = false;  // inpaint_full_res: sample the crop around the mask, paste back
  int padding = 0;           // inpaint_full_res_padding (A1111's API default; the UI's is 32)
  bool overlay = false;      // paste the original back outside the (blurred) mask, as A1111
  bool round_mask = true;    // mask_round: the bicubic latent mask rounded to 0/1 (A1111's)
  // Recorded in the A1111 infotext only (the mask arrives already blurred and inverted).
  int mask_blur = 0;
  bool invert = false;
};

struct GenerationParams {
  std::string prompt;  // personal data: held in memory only while the job runs
  std::string negative_prompt;
  int width = 512;
  int height = 512;
  int steps = 20;
  double cfg_scale = 7.0;
  std::int64_t seed = 0;
  std::string sampler = "euler";
  std::string scheduler = "normal";  // the engine's (ComfyUI's) schedule names
  int batch = 1;
  std::optional<Image> init_image;  // img2img
  // Inpainting: needs init_image and its size; RGB grey, 255 = regenerate, 0 = keep, between =
  // blend (uploads.h). The engine applies it as ComfyUI's latent noise mask: no pixel overlay.
  std::optional<Image> mask;
  // With a mask from the A1111 API: how it inpaints (unset: ComfyUI's latent noise mask only).
  std::optional<InpaintOptions> inpaint;
  double strength = 0.75;  // img2img denoising strength
  // A1111 jobs (n_iter x batch_size): `batch_count` iterations of `batch` images, image k of the
  // job seeded seed + k with its own noise draw, as A1111 assigns all_seeds. The job runner
  // splits such a job into one Generator::run per image, so run() sees batch_count == 1 and
  // seed_per_image == false; without seed_per_image a batch shares its seed (as ComfyUI).
  int batch_count = 1;
  bool seed_per_image = false;
  // A1111's variation seed: noise slerped towards the subseed's by subseed_strength (0 = off);
  // image k of an A1111 job takes subseed + k and, while the strength is not 0, keeps `seed`.
  // Seed resize draws the seed's noise at that size (0 = off). The engine's rules
  // (pipeline/generation_params.h) apply.
  std::int64_t subseed = 0;
  double subseed_strength = 0.0;
  int seed_resize_from_w = 0;
  int seed_resize_from_h = 0;
  // A1111's hires fix (txt2img): upscale the first pass and run img2img at the target.
  struct Hires {
    double scale = 2.0;
    int resize_x = 0;  // both 0: from the scale
    int resize_y = 0;
    int steps = 0;  // 0: `steps`
    double denoise = 0.75;
    std::string upscaler = "Latent";
    std::string sampler;                // empty: the first pass's
    std::string scheduler;              // empty: the first pass's
    std::optional<std::string> prompt;  // personal data, as `prompt`
    std::optional<std::string> negative_prompt;
  };
  std::optional<Hires> hires;
};

struct Progress {
  int step = 0;
  int total = 0;
  std::optional<Image> preview;  // a small decoded preview, when the pipeline offers one
};

class Generator {
 public:
  virtual ~Generator() = default;
  virtual std::string model_name() const = 0;
  virtual std::vector<std::string> samplers() const = 0;
  // Schedules the generator runs; the base offers the engine's default only.
  virtual std::vector<std::string> schedulers() const { return {"normal"}; }
  virtual bool supports_img2img() const = 0;
  // Hires fix upscalers the generator runs, A1111's names (latent modes start with "Latent");
  // none by default.
  virtual std::vector<std::string> hires_upscalers() const { return {}; }
  // The size of each output image after the checks only the generator can make (hires
  // upscaler, target rules, variation values); throws std::invalid_argument naming the
  // problem. The base runs no hires fix and no variation.
  virtual std::pair<int, int> checked_output_size(const GenerationParams& p) const {
    if (p.hires || p.subseed_strength != 0.0 || p.seed_resize_from_w > 0)
      throw std::invalid_argument("hires fix and variation seeds are not supported by this model");
    return {p.width, p.height};
  }
  // A1111's short hash of the checkpoint (first 10 hex digits of the file's SHA-256), empty
  // when unknown; and the checkpoint file, read only to compute A1111's full sha256 in the
  // background (never sent to clients). Both default to unknown.
  virtual std::string model_hash() const { return {}; }
  virtual std::string model_file() const { return {}; }
  // Runs one job. Calls `progress` after each step; returns early (throwing GenerationCancelled)
  // when `cancel` becomes true. Throws std::exception on failure.
  virtual std::vector<Image> run(const GenerationParams& params,
                                 const std::function<void(const Progress&)>& progress,
                                 const std::atomic<bool>& cancel) = 0;
};

class GenerationCancelled : public std::runtime_error {
 public:
  GenerationCancelled() : std::runtime_error("generation cancelled") {}
};

}  // namespace pixforge::service
