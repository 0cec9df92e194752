#include "pixforge/pipeline/infotext.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <string_view>

namespace pixforge::pipeline {
namespace {

struct NamePair {
  std::string_view ours;
  std::string_view a1111;
};

constexpr std::array<NamePair, 11> kSamplers = {{{"euler", "Euler"},
                                                 {"euler_ancestral", "Euler a"},
                                                 {"heun", "Heun"},
                                                 {"dpm_2", "DPM2"},
                                                 {"dpm_2_ancestral", "DPM2 a"},
                                                 {"dpmpp_2s_ancestral", "DPM++ 2S a"},
                                                 {"dpmpp_2m", "DPM++ 2M"},
                                                 {"dpmpp_2m_sde", "DPM++ 2M SDE"},
                                                 {"dpmpp_sde", "DPM++ SDE"},
                                                 {"lcm", "LCM"},
                                                 {"ddim", "DDIM"}}};

// "Linear Quadratic" is not an A1111 schedule (ComfyUI only); the label is ours.
// A1111 "Uniform" is k-diffusion's get_sigmas (timesteps evenly spaced from the last to the
// first), which is what ComfyUI calls "normal"; both spellings are read back.
constexpr std::array<NamePair, 10> kSchedulers = {{{"normal", "Normal"},
                                                   {"karras", "Karras"},
                                                   {"exponential", "Exponential"},
                                                   {"sgm_uniform", "SGM Uniform"},
                                                   {"simple", "Simple"},
                                                   {"ddim_uniform", "DDIM"},
                                                   {"beta", "Beta"},
                                                   {"kl_optimal", "KL Optimal"},
                                                   {"linear_quadratic", "Linear Quadratic"},
                                                   {"normal", "Uniform"}}};

template <std::size_t N>
std::string display(const std::array<NamePair, N>& table, const std::string& ours,
                    const char* what) {
  for (const auto& p : table) {
    if (p.ours == ours) return std::string(p.a1111);
  }
  throw InvalidParams(std::string("unknown ") + what + " '" + ours + "'");
}

template <std::size_t N>
const NamePair* find_display(const std::array<NamePair, N>& table, std::string_view a1111) {
  for (const auto& p : table) {
    if (p.a1111 == a1111) return &p;
  }
  return nullptr;
}

// Shortest text that reads back as the same double ("7", "7.5", "0.75"), as Python prints them.
std::string number(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

template <class T>
T read_number(const std::string& key, const std::string& text) {
  T value{};
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, value);
  if (r.ec != std::errc() || r.ptr != end) {
    throw InvalidParams("parameters: cannot read the value of '" + key + "'");
  }
  return value;
}

// A1111's "Automatic" schedule type means each sampler's default.
std::string automatic_scheduler(const std::string& sampler) {
  if (sampler == "dpmpp_2m" || sampler == "dpmpp_sde") return "karras";
  if (sampler == "dpmpp_2m_sde") return "exponential";
  return "normal";
}

void apply_sampler(const std::string& text, GenerationParams& params, bool has_schedule_type) {
  if (const NamePair* p = find_display(kSamplers, text)) {
    params.sampler = std::string(p->ours);
    return;
  }
  // Before A1111 1.9 the schedule was part of the sampler name: "DPM++ 2M Karras".
  if (!has_schedule_type) {
    for (const auto& [suffix, scheduler] :
         {std::pair{" Karras", "karras"}, std::pair{" Exponential", "exponential"}}) {
      const std::string_view s(suffix);
      if (text.size() > s.size() && text.compare(text.size() - s.size(), s.size(), s) == 0) {
        if (const NamePair* p = find_display(kSamplers, text.substr(0, text.size() - s.size()))) {
          params.sampler = std::string(p->ours);
          params.scheduler = scheduler;
          return;
        }
      }
    }
  }
  throw InvalidParams("parameters: sampler '" + text + "' is not supported");
}

void apply_size(const std::string& text, GenerationParams& params) {
  const std::size_t x = text.find('x');
  if (x == std::string::npos) throw InvalidParams("parameters: cannot read the value of 'Size'");
  params.width = read_number<int>("Size", text.substr(0, x));
  params.height = read_number<int>("Size", text.substr(x + 1));
}

// A1111's extra_generation_params of a hires fix, in the order its init() adds them.
void add_hires(const GenerationParams& p, A1111Parameters& out) {
  const HiresFix& h = *p.hires;
  if (!h.sampler.empty() && h.sampler != p.sampler) {
    out.set("Hires sampler", sampler_display_name(h.sampler));
  }
  if (h.prompt && *h.prompt != p.prompt) out.set("Hires prompt", *h.prompt);
  if (h.negative_prompt && *h.negative_prompt != p.negative_prompt) {
    out.set("Hires negative prompt", *h.negative_prompt);
  }
  if (h.resize_x == 0 && h.resize_y == 0) {
    out.set("Hires upscale", number(h.scale));
  } else {
    out.set("Hires resize", std::to_string(h.resize_x) + "x" + std::to_string(h.resize_y));
  }
  if (h.steps > 0) out.set("Hires steps", std::to_string(h.steps));
  out.set("Hires upscaler", h.upscaler);
  if (!h.scheduler.empty() && h.scheduler != p.scheduler) {
    out.set("Hires schedule type", scheduler_display_name(h.scheduler));
  }
}

void apply_size_pair(const std::string& key, const std::string& text, int& w, int& h) {
  const std::size_t x = text.find('x');
  if (x == std::string::npos)
    throw InvalidParams("parameters: cannot read the value of '" + key + "'");
  w = read_number<int>(key, text.substr(0, x));
  h = read_number<int>(key, text.substr(x + 1));
}

// The sampler of a "Hires sampler" value (A1111 display name, no schedule suffix).
std::string hires_sampler(const std::string& text) {
  if (const NamePair* p = find_display(kSamplers, text)) return std::string(p->ours);
  throw InvalidParams("parameters: hires sampler '" + text + "' is not supported");
}

void apply_hires(const A1111Parameters& in, GenerationParams& p) {
  const bool has = in.get("Hires upscale") || in.get("Hires resize") || in.get("Hires upscaler") ||
                   in.get("Hires steps");
  if (!has) return;
  HiresFix h;
  if (auto v = in.get("Hires upscale")) h.scale = read_number<double>("Hires upscale", *v);
  if (auto v = in.get("Hires resize")) apply_size_pair("Hires resize", *v, h.resize_x, h.resize_y);
  if (auto v = in.get("Hires steps")) h.steps = read_number<int>("Hires steps", *v);
  // A1111 writes no upscaler when none was chosen; its default is "Latent".
  if (auto v = in.get("Hires upscaler")) h.upscaler = *v;
  if (auto v = in.get("Hires sampler")) h.sampler = hires_sampler(*v);
  if (auto v = in.get("Hires schedule type")) {
    const NamePair* s = find_display(kSchedulers, *v);
    if (s == nullptr) {
      throw InvalidParams("parameters: hires schedule type '" + *v + "' is not supported");
    }
    h.scheduler = std::string(s->ours);
  }
  if (auto v = in.get("Hires prompt")) h.prompt = *v;
  if (auto v = in.get("Hires negative prompt")) h.negative_prompt = *v;
  if (auto v = in.get("Denoising strength")) {
    h.denoise = read_number<double>("Denoising strength", *v);
  }
  p.hires = h;
}

// A1111's "Masked content" values; empty for original, which it does not record.
std::string_view masked_content_label(MaskedContent c) {
  switch (c) {
    case MaskedContent::Fill:
      return "fill";
    case MaskedContent::LatentNoise:
      return "latent noise";
    case MaskedContent::LatentNothing:
      return "latent nothing";
    case MaskedContent::Original:
      break;
  }
  return {};
}

void apply_inpaint_keys(const A1111Parameters& infotext, GenerationParams& params) {
  if (auto v = infotext.get("Masked content")) {
    bool known = false;
    for (auto c : {MaskedContent::Fill, MaskedContent::LatentNoise, MaskedContent::LatentNothing})
      if (*v == masked_content_label(c)) {
        params.masked_content = c;
        known = true;
      }
    if (!known) throw InvalidParams("parameters: masked content '" + *v + "' is not supported");
  }
  if (auto v = infotext.get("Inpaint area")) {
    if (*v != "Only masked")
      throw InvalidParams("parameters: inpaint area '" + *v + "' is not supported");
    params.inpaint_area = InpaintArea::OnlyMasked;
  }
  if (auto v = infotext.get("Masked area padding"))
    params.inpaint_padding = read_number<int>("Masked area padding", *v);
}

}  // namespace

std::string sampler_display_name(const std::string& sampler) {
  return display(kSamplers, sampler, "sampler");
}

std::string scheduler_display_name(const std::string& scheduler) {
  return display(kSchedulers, scheduler, "scheduler");
}

A1111Parameters to_a1111(const GenerationParams& params, std::int64_t seed, int batch_pos,
                         const ModelLabel& model, std::int64_t subseed) {
  A1111Parameters out;
  out.prompt = params.prompt;
  out.negative_prompt = params.negative_prompt;
  out.set("Steps", std::to_string(params.steps));
  out.set("Sampler", sampler_display_name(params.sampler));
  out.set("Schedule type", scheduler_display_name(params.scheduler));
  out.set("CFG scale", number(params.cfg_scale));
  out.set("Seed", std::to_string(seed));
  out.set("Size", std::to_string(params.width) + "x" + std::to_string(params.height));
  if (!model.hash.empty()) out.set("Model hash", model.hash);
  if (!model.name.empty()) out.set("Model", model.name);
  if (params.batch_size > 1) {
    out.set("Batch size", std::to_string(params.batch_size));
    out.set("Batch pos", std::to_string(batch_pos));
  }
  if (params.subseed_strength != 0.0) {
    out.set("Variation seed", std::to_string(subseed >= 0 ? subseed : params.subseed));
    out.set("Variation seed strength", number(params.subseed_strength));
  }
  if (params.seed_resize_from_w > 0 && params.seed_resize_from_h > 0) {
    out.set("Seed resize from", std::to_string(params.seed_resize_from_w) + "x" +
                                    std::to_string(params.seed_resize_from_h));
  }
  if (params.init_image) out.set("Denoising strength", number(params.strength));
  if (params.hires) out.set("Denoising strength", number(params.hires->denoise));
  // A1111's key for a masked img2img; our masks are used as given, without a blur.
  if (params.mask) {
    out.set("Mask blur", "0");
    // A1111's keys, written only when not its "original" / "whole picture" choice, as it does.
    if (params.inpaint_area == InpaintArea::OnlyMasked) {
      out.set("Inpaint area", "Only masked");
      out.set("Masked area padding", std::to_string(params.inpaint_padding));
    }
    if (const auto content = masked_content_label(params.masked_content); !content.empty())
      out.set("Masked content", std::string(content));
  }
  if (params.rng == sampling::RngKind::TorchCpu) out.set("RNG", "CPU");
  if (params.hires) add_hires(params, out);
  return out;
}

void apply_a1111(const A1111Parameters& infotext, GenerationParams& params) {
  params.prompt = infotext.prompt;
  params.negative_prompt = infotext.negative_prompt;
  const auto schedule = infotext.get("Schedule type");
  if (auto v = infotext.get("Steps")) params.steps = read_number<int>("Steps", *v);
  if (auto v = infotext.get("Sampler")) apply_sampler(*v, params, schedule.has_value());
  if (schedule) {
    if (*schedule == "Automatic") {
      params.scheduler = automatic_scheduler(params.sampler);
    } else if (const NamePair* p = find_display(kSchedulers, *schedule)) {
      params.scheduler = std::string(p->ours);
    } else {
      throw InvalidParams("parameters: schedule type '" + *schedule + "' is not supported");
    }
  }
  if (auto v = infotext.get("CFG scale")) params.cfg_scale = read_number<double>("CFG scale", *v);
  if (auto v = infotext.get("Seed")) params.seed = read_number<std::int64_t>("Seed", *v);
  if (auto v = infotext.get("Size")) apply_size(*v, params);
  if (auto v = infotext.get("Denoising strength")) {
    params.strength = read_number<double>("Denoising strength", *v);
  }
  if (auto v = infotext.get("Batch size")) params.batch_size = read_number<int>("Batch size", *v);
  // Without these keys A1111 ran no variation: reset what `params` may hold.
  params.subseed_strength = 0.0;
  params.seed_resize_from_w = params.seed_resize_from_h = 0;
  if (auto v = infotext.get("Variation seed")) {
    params.subseed = read_number<std::int64_t>("Variation seed", *v);
  }
  if (auto v = infotext.get("Variation seed strength")) {
    params.subseed_strength = read_number<double>("Variation seed strength", *v);
  }
  if (auto v = infotext.get("Seed resize from")) {
    apply_size_pair("Seed resize from", *v, params.seed_resize_from_w, params.seed_resize_from_h);
  }
  params.hires.reset();
  apply_hires(infotext, params);
  apply_inpaint_keys(infotext, params);
  const auto rng = infotext.get("RNG");
  if (!rng || *rng == "GPU") {
    params.rng = sampling::RngKind::TorchCudaPhilox;
  } else if (*rng == "CPU") {
    params.rng = sampling::RngKind::TorchCpu;
  } else {
    throw InvalidParams("parameters: RNG '" + *rng + "' is not supported (CPU or GPU)");
  }
}

}  // namespace pixforge::pipeline
