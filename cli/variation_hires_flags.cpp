#include "variation_hires_flags.h"

#include <charconv>

#include "esrgan_upscalers.h"
#include "pixforge/pipeline/hires_fix.h"

namespace pixforge::cli {
namespace {

using pipeline::InvalidParams;

bool given(const CLI::App& cmd, const char* name) { return cmd.get_option(name)->count() > 0; }

// "WxH" -> (W, H), each a non-negative integer.
std::pair<int, int> parse_size(const char* flag, const std::string& text) {
  const std::size_t x = text.find('x');
  int w = -1, h = -1;
  if (x != std::string::npos) {
    const char* s = text.data();
    const auto a = std::from_chars(s, s + x, w);
    const auto b = std::from_chars(s + x + 1, s + text.size(), h);
    if (a.ec != std::errc() || a.ptr != s + x || b.ec != std::errc() || b.ptr != s + text.size()) {
      w = h = -1;
    }
  }
  if (w < 0 || h < 0) {
    throw InvalidParams(std::string(flag) + " '" + text + "' must be WIDTHxHEIGHT, e.g. 512x768");
  }
  return {w, h};
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool any_hires_flag(const CLI::App& cmd) {
  for (const char* name : {"--hires", "--hires-scale", "--hires-resize", "--hires-steps",
                           "--hires-denoise", "--hires-upscaler", "--hires-sampler",
                           "--hires-scheduler", "--hires-prompt", "--hires-negative-prompt"}) {
    if (given(cmd, name)) return true;
  }
  return false;
}

void apply_hires(const VariationHiresFlags& f, const CLI::App& cmd, pipeline::GenerationParams& p) {
  if (!any_hires_flag(cmd)) return;  // --from's hires fix (if any) stays as it was
  pipeline::HiresFix h = p.hires.value_or(pipeline::HiresFix{});
  const bool fresh = !p.hires;  // no hires fix from --from: every flag's default applies
  if (given(cmd, "--hires-scale") || fresh) h.scale = f.hires_scale;
  if (given(cmd, "--hires-scale")) h.resize_x = h.resize_y = 0;
  if (given(cmd, "--hires-resize")) {
    const auto [w, hh] = parse_size("--hires-resize", f.hires_resize);
    h.resize_x = w;
    h.resize_y = hh;
  }
  if (given(cmd, "--hires-steps") || fresh) h.steps = f.hires_steps;
  if (given(cmd, "--hires-denoise") || fresh) h.denoise = f.hires_denoise;
  if (given(cmd, "--hires-upscaler") || fresh) h.upscaler = f.hires_upscaler;
  if (given(cmd, "--hires-sampler")) h.sampler = f.hires_sampler;
  if (given(cmd, "--hires-scheduler")) h.scheduler = f.hires_scheduler;
  if (given(cmd, "--hires-prompt")) h.prompt = f.hires_prompt;
  if (given(cmd, "--hires-negative-prompt")) h.negative_prompt = f.hires_negative_prompt;
  p.hires = h;
}

}  // namespace

void add_variation_hires_flags(CLI::App& cmd, VariationHiresFlags& f) {
  cmd.add_option("--subseed", f.subseed, "Variation seed (A1111); -1 picks a random one")
      ->capture_default_str();
  cmd.add_option("--subseed-strength", f.subseed_strength,
                 "Variation strength in [0, 1]: the noise slerped from the seed's towards the "
                 "variation seed's (0 = off; with it, -b keeps the seed and steps the subseed)")
      ->capture_default_str();
  cmd.add_option("--seed-resize-from", f.seed_resize_from,
                 "WxH: draw the seed's noise at this size and centre it (A1111's seed resize)");
  cmd.add_flag("--hires", f.hires,
               "Hires fix (A1111): txt2img at -W x -H, upscale, then img2img at the target; "
               "implied by any --hires-* flag");
  cmd.add_option("--hires-scale", f.hires_scale, "Hires target = size x scale (1..8)")
      ->capture_default_str();
  cmd.add_option("--hires-resize", f.hires_resize,
                 "Hires target WxH instead of the scale; a 0 side keeps the aspect ratio, both "
                 "set with another ratio crop the centre (A1111's hr_resize_x/y)");
  cmd.add_option("--hires-steps", f.hires_steps, "Second-pass steps; 0 = --steps")
      ->capture_default_str();
  cmd.add_option("--hires-denoise", f.hires_denoise, "Second-pass denoising strength, (0, 1]")
      ->capture_default_str();
  std::vector<std::string> upscalers = pipeline::hires_upscaler_names();
  for (auto& name : esrgan_upscaler_names(false)) upscalers.push_back(name);
  cmd.add_option("--hires-upscaler", f.hires_upscaler,
                 "Upscaler: " + join(upscalers) + " (ESRGAN: `pixforge models install upscaler`)")
      ->capture_default_str();
  cmd.add_option("--hires-sampler", f.hires_sampler, "Second-pass sampler (default: --sampler)");
  cmd.add_option("--hires-scheduler", f.hires_scheduler,
                 "Second-pass scheduler (default: --scheduler)");
  cmd.add_option("--hires-prompt", f.hires_prompt, "Second-pass prompt (default: --prompt)");
  cmd.add_option("--hires-negative-prompt", f.hires_negative_prompt,
                 "Second-pass negative prompt (default: --negative-prompt)");
}

void apply_variation_hires_flags(const VariationHiresFlags& f, const CLI::App& cmd,
                                 pipeline::GenerationParams& p) {
  if (given(cmd, "--subseed")) p.subseed = f.subseed;
  if (given(cmd, "--subseed-strength")) p.subseed_strength = f.subseed_strength;
  if (given(cmd, "--seed-resize-from")) {
    const auto [w, h] = parse_size("--seed-resize-from", f.seed_resize_from);
    p.seed_resize_from_w = w;
    p.seed_resize_from_h = h;
  }
  apply_hires(f, cmd, p);
}

}  // namespace pixforge::cli
