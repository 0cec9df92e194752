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
                         const ModelLabel& model) {
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
  if (params.init_image) out.set("Denoising strength", number(params.strength));
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
