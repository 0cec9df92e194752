#include "pixforge/pipeline/generation_params.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "pixforge/sampling/sampler.h"
#include "pixforge/sampling/schedulers.h"

namespace pixforge::pipeline {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw InvalidParams(message);
}

void check_size(const char* name, int value, const ParamLimits& limits) {
  require(value >= 64 && value <= limits.max_side && value % 8 == 0,
          std::string(name) + " " + std::to_string(value) + " must be a multiple of 8 in 64.." +
              std::to_string(limits.max_side));
}

void check_mask(const InpaintMask& m, const Image* init) {
  require(init != nullptr,
          "a mask needs an init image: inpainting repaints part of a picture (txt2img has none)");
  require(m.width == init->width && m.height == init->height,
          "mask size " + std::to_string(m.width) + "x" + std::to_string(m.height) +
              " must equal the init image size " + std::to_string(init->width) + "x" +
              std::to_string(init->height));
  require(m.values.size() == static_cast<std::size_t>(m.width) * static_cast<std::size_t>(m.height),
          "mask holds " + std::to_string(m.values.size()) + " values, not width x height");
  require(
      std::all_of(m.values.begin(), m.values.end(), [](float v) { return v >= 0.0f && v <= 1.0f; }),
      "mask values must be in [0, 1] (1 = repaint, 0 = keep)");
}

bool known(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void check_variation(const GenerationParams& p, const ParamLimits& limits) {
  require(p.subseed >= -1, "subseed must be -1 (random) or a non-negative integer");
  require(
      std::isfinite(p.subseed_strength) && p.subseed_strength >= 0.0 && p.subseed_strength <= 1.0,
      "subseed strength must be in [0, 1]");
  const bool resize = p.seed_resize_from_w > 0 && p.seed_resize_from_h > 0;
  require(p.seed_resize_from_w >= -1 && p.seed_resize_from_h >= -1,
          "seed resize from must be -1 or 0 (off) or a size");
  // Any size A1111 takes: it draws at side // 8 latent pixels.
  for (const auto& [name, v] :
       {std::pair{"width", p.seed_resize_from_w}, std::pair{"height", p.seed_resize_from_h}}) {
    require(!resize || (v >= 8 && v <= limits.max_side),
            std::string("seed resize from ") + name + " " + std::to_string(v) + " must be in 8.." +
                std::to_string(limits.max_side));
  }
}

void check_hires(const GenerationParams& p, const ParamLimits& limits,
                 const std::vector<std::string>& model_upscalers) {
  const HiresFix& h = *p.hires;
  require(!p.init_image, "hires fix is a txt2img second pass: it takes no init image");
  require(std::isfinite(h.scale) && h.scale >= 1.0 && h.scale <= 8.0,
          "hires scale must be in 1..8");
  require(
      h.resize_x >= 0 && h.resize_x <= limits.max_side && h.resize_y >= 0 &&
          h.resize_y <= limits.max_side,
      "hires resize must be 0 (from the scale) or a size up to " + std::to_string(limits.max_side));
  require(h.steps >= 0 && h.steps <= limits.max_steps,
          "hires steps " + std::to_string(h.steps) + " must be in 0.." +
              std::to_string(limits.max_steps) + " (0: the first pass's steps)");
  require(std::isfinite(h.denoise) && h.denoise > 0.0 && h.denoise <= 1.0,
          "hires denoising strength must be in (0, 1]");
  std::vector<std::string> upscalers = hires_upscaler_names();
  upscalers.insert(upscalers.end(), model_upscalers.begin(), model_upscalers.end());
  require(known(upscalers, h.upscaler),
          "unknown hires upscaler '" + h.upscaler + "': use one of " + join(upscalers));
  require(h.sampler.empty() || known(sampler_names(), h.sampler),
          "unknown hires sampler '" + h.sampler + "': use one of " + join(sampler_names()));
  require(h.scheduler.empty() || known(scheduler_names(), h.scheduler),
          "unknown hires scheduler '" + h.scheduler + "': use one of " + join(scheduler_names()));
  const HiresTarget t = hires_target(p.width, p.height, h);
  require(t.width >= 64 && t.height >= 64 && t.upscale_width <= limits.max_side &&
              t.upscale_height <= limits.max_side,
          "hires target " + std::to_string(t.upscale_width) + "x" +
              std::to_string(t.upscale_height) + " must have sides in 64.." +
              std::to_string(limits.max_side));
  const std::int64_t pixels = static_cast<std::int64_t>(t.upscale_width) * t.upscale_height;
  require(pixels <= limits.max_pixels, "hires target " + std::to_string(t.upscale_width) + "x" +
                                           std::to_string(t.upscale_height) +
                                           " exceeds the limit of " +
                                           std::to_string(limits.max_pixels) + " pixels");
}

}  // namespace

std::string_view masked_content_name(MaskedContent c) {
  switch (c) {
    case MaskedContent::Fill:
      return "fill";
    case MaskedContent::LatentNoise:
      return "latent-noise";
    case MaskedContent::LatentNothing:
      return "latent-nothing";
    case MaskedContent::Original:
      break;
  }
  return "original";
}

MaskedContent parse_masked_content(std::string_view name) {
  for (auto c : {MaskedContent::Original, MaskedContent::Fill, MaskedContent::LatentNoise,
                 MaskedContent::LatentNothing})
    if (name == masked_content_name(c)) return c;
  throw InvalidParams("unknown masked content '" + std::string(name) +
                      "': use fill, original, latent-noise or latent-nothing");
}

std::string_view inpaint_area_name(InpaintArea a) {
  return a == InpaintArea::OnlyMasked ? "masked" : "whole";
}

InpaintArea parse_inpaint_area(std::string_view name) {
  if (name == "whole") return InpaintArea::Whole;
  if (name == "masked") return InpaintArea::OnlyMasked;
  throw InvalidParams("unknown inpaint area '" + std::string(name) + "': use whole or masked");
}

std::string_view compute_type_name(ComputeType t) { return t == ComputeType::F32 ? "f32" : "bf16"; }

ComputeType parse_compute_type(std::string_view name) {
  if (name == "f32") return ComputeType::F32;
  if (name == "bf16") return ComputeType::BF16;
  throw InvalidParams("unknown compute type '" + std::string(name) + "': use f32 or bf16");
}

const std::vector<std::string>& sampler_names() {
  // The sampling area's names (its parse_sampler accepts exactly these).
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (auto k : sampling::all_samplers()) out.emplace_back(sampling::sampler_name(k));
    return out;
  }();
  return names;
}

const std::vector<std::string>& scheduler_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (auto s : sampling::all_schedulers()) out.emplace_back(sampling::scheduler_name(s));
    return out;
  }();
  return names;
}

void validate(const GenerationParams& p, const ParamLimits& limits,
              const std::vector<std::string>& model_upscalers) {
  check_size("width", p.width, limits);
  check_size("height", p.height, limits);
  const std::int64_t pixels = static_cast<std::int64_t>(p.width) * p.height;
  require(pixels <= limits.max_pixels, "image size " + std::to_string(p.width) + "x" +
                                           std::to_string(p.height) + " exceeds the limit of " +
                                           std::to_string(limits.max_pixels) + " pixels");
  require(
      p.steps >= 1 && p.steps <= limits.max_steps,
      "steps " + std::to_string(p.steps) + " must be in 1.." + std::to_string(limits.max_steps));
  require(std::isfinite(p.cfg_scale) && p.cfg_scale >= 0.0 && p.cfg_scale <= limits.max_cfg,
          "cfg scale must be a number in 0.." + std::to_string(static_cast<int>(limits.max_cfg)));
  require(p.seed >= -1, "seed must be -1 (random) or a non-negative integer");
  const auto& samplers = sampler_names();
  require(std::find(samplers.begin(), samplers.end(), p.sampler) != samplers.end(),
          "unknown sampler '" + p.sampler + "': use one of " + join(samplers));
  const auto& schedulers = scheduler_names();
  require(std::find(schedulers.begin(), schedulers.end(), p.scheduler) != schedulers.end(),
          "unknown scheduler '" + p.scheduler + "': use one of " + join(schedulers));
  require(p.batch_size >= 1 && p.batch_size <= limits.max_batch_size,
          "batch size " + std::to_string(p.batch_size) + " must be in 1.." +
              std::to_string(limits.max_batch_size));
  require(p.batch_count >= 1 && p.batch_count <= limits.max_batch_count,
          "batch count " + std::to_string(p.batch_count) + " must be in 1.." +
              std::to_string(limits.max_batch_count));
  if (p.init_image) {
    require(std::isfinite(p.strength) && p.strength > 0.0 && p.strength <= 1.0,
            "strength must be in (0, 1]");
    require(!p.init_image->empty(), "init image is empty");
  }
  if (p.mask) check_mask(*p.mask, p.init_image ? &*p.init_image : nullptr);
  require(p.inpaint_padding >= 0 && p.inpaint_padding <= limits.max_side,
          "inpaint padding " + std::to_string(p.inpaint_padding) + " must be in 0.." +
              std::to_string(limits.max_side));
  require(p.threads >= 0 && p.threads <= 1024, "threads must be 0 (all cores) or a positive count");
  check_variation(p, limits);
  if (p.hires) check_hires(p, limits, model_upscalers);
}

std::int64_t resolve_seed(std::int64_t seed) {
  if (seed >= 0) return seed;
  std::random_device device;
  return static_cast<std::int64_t>(device() & 0xffffffffu);
}

}  // namespace pixforge::pipeline
