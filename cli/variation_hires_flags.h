// `pixforge generate`'s flags for A1111's variation seeds and hires fix: declared, then applied
// over the defaults and --from's parameters (a flag given explicitly wins, as for every other
// flag of the command).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "pixforge/pipeline/generation_params.h"

namespace pixforge::cli {

struct VariationHiresFlags {
  std::int64_t subseed = -1;
  double subseed_strength = 0.0;
  std::string seed_resize_from;  // "WxH"
  bool hires = false;
  double hires_scale = 2.0;
  std::string hires_resize;  // "WxH"; one side 0 keeps the aspect ratio
  int hires_steps = 0;
  double hires_denoise = 0.7;
  std::string hires_upscaler = "Latent";
  std::string hires_sampler, hires_scheduler, hires_prompt, hires_negative_prompt;
};

void add_variation_hires_flags(CLI::App& cmd, VariationHiresFlags& f);

// Throws pipeline::InvalidParams for unreadable sizes.
void apply_variation_hires_flags(const VariationHiresFlags& f, const CLI::App& cmd,
                                 pipeline::GenerationParams& p);

}  // namespace pixforge::cli
