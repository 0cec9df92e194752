// GenerationParams <-> the A1111 "parameters" text (image/a1111_parameters.h), with A1111's key
// names and display names for samplers and schedulers:
//   euler_ancestral <-> "Euler a", dpmpp_2m <-> "DPM++ 2M", karras <-> Schedule type "Karras".
// RNG: A1111 writes "RNG: CPU" when noise came from the CPU generator and nothing when it came
// from the GPU (its default); we follow that, so a string without RNG means --rng cuda.
#pragma once

#include <cstdint>
#include <string>

#include "pixforge/image/a1111_parameters.h"
#include "pixforge/pipeline/generation_params.h"

namespace pixforge::pipeline {

// What identifies the model in the infotext.
struct ModelLabel {
  std::string name;  // file stem, e.g. "v1-5-pruned-emaonly"
  std::string hash;  // A1111 short hash: first 10 hex digits of the file's SHA-256; may be empty
};

// The infotext of one image: `seed` is that image's seed, `batch_pos` its index in the batch.
// `subseed`: that image's variation seed (written, as A1111, only with a variation strength);
// -1 takes params.subseed. Hires fix keys follow A1111's extra_generation_params ("Hires
// upscale" or "Hires resize", "Hires steps", "Hires upscaler", ...), with "Denoising strength"
// the second pass's.
A1111Parameters to_a1111(const GenerationParams& params, std::int64_t seed, int batch_pos,
                         const ModelLabel& model, std::int64_t subseed = -1);

// Applies every key it understands to `params` (prompt, negative prompt, Steps, Sampler (also
// old "DPM++ 2M Karras" style), Schedule type, CFG scale, Seed, Size, Denoising strength,
// Batch size, RNG, Variation seed, Variation seed strength, Seed resize from, Hires upscale,
// Hires resize, Hires steps, Hires upscaler, Hires sampler, Hires schedule type, Hires prompt,
// Hires negative prompt); other keys (Model, Model hash, Version, ...) are ignored. Throws
// InvalidParams naming the key whose value cannot be read or whose sampler/scheduler we do not
// run.
void apply_a1111(const A1111Parameters& infotext, GenerationParams& params);

// "Euler a" etc. for a ComfyUI sampler name; throws InvalidParams for unknown names.
std::string sampler_display_name(const std::string& sampler);
std::string scheduler_display_name(const std::string& scheduler);

}  // namespace pixforge::pipeline
