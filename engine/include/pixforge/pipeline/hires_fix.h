// A1111's hires fix (processing.py StableDiffusionProcessingTxt2Img): txt2img at width x height,
// the result upscaled (in latent space by torch interpolate, latent_upscale.h, or decoded,
// resized as a picture and encoded again), then an img2img pass at the target size with the
// same seeds drawn at the new size, `steps` (0: the first pass's) and `denoise`; optionally
// another sampler, scheduler or prompt for that pass.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pixforge/image/image.h"

namespace pixforge::pipeline {

struct HiresFix {
  double scale = 2.0;  // used when resize_x and resize_y are both 0
  int resize_x = 0;    // A1111's hr_resize_x/y: target size; one of them 0 keeps the aspect
  int resize_y = 0;
  int steps = 0;         // hr_second_pass_steps; 0: the first pass's steps
  double denoise = 0.7;  // the second pass's denoising strength (A1111's UI default)
  std::string upscaler = "Latent";
  std::string sampler;                // empty: the first pass's (A1111's "Use same sampler")
  std::string scheduler;              // empty: the first pass's
  std::optional<std::string> prompt;  // unset: the first pass's prompts
  std::optional<std::string> negative_prompt;
};

// The target as A1111's calculate_target_resolution computes it: the size the first pass is
// upscaled to, and the latent rows/columns cropped from it (hr_resize_x and _y both set with
// another aspect ratio: upscale to cover, then crop the centre). The output is
// (upscale / 8 - truncate) * 8 on each side.
struct HiresTarget {
  int upscale_width = 0;
  int upscale_height = 0;
  int truncate_x = 0;  // latent columns / rows cropped (left gets half, rounded down)
  int truncate_y = 0;
  int width = 0;  // the output image
  int height = 0;
};
HiresTarget hires_target(int width, int height, const HiresFix& hires);

// A pixel upscaler from outside the pipeline (the vision area's ESRGAN models, which the CLI
// and the service wire in by name): one pass of the model at its own scale. The hires fix
// runs it as A1111 runs a model upscaler (up to three passes until the target is covered, then
// Lanczos to the target).
using ModelUpscaler = std::function<Image(const Image&)>;
using ModelUpscalers = std::map<std::string, ModelUpscaler>;

// Pixel-space upscalers the engine runs (A1111's names; "None" is a plain Lanczos resize as
// A1111's resize_image does without an upscaler).
const std::vector<std::string>& pixel_upscaler_names();
// Every hires upscaler name accepted: the latent modes, then the pixel upscalers.
std::vector<std::string> hires_upscaler_names();
bool is_hires_upscaler(std::string_view name);

}  // namespace pixforge::pipeline
