#include "a1111_names.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include "a1111_batch.h"
#include "a1111_inpaint.h"
#include "pixforge/image/a1111_parameters.h"

namespace pixforge::service {
namespace {

struct SamplerEntry {
  std::string_view ours;
  std::string_view label;
  std::array<std::string_view, 2> aliases;  // A1111's k-diffusion aliases ("" unused)
  std::string_view automatic;               // A1111 1.9+ "Automatic" schedule
  bool second_order;                        // two model evaluations per step
  bool discard_next_to_last_sigma;
};

// A1111 v1.9+ option "scheduler" gives each sampler's Automatic schedule; where A1111 has none
// the schedule is its Uniform, which is the engine's (ComfyUI's) "normal".
constexpr std::array<SamplerEntry, 11> kSamplers = {{
    {"euler", "Euler", {"k_euler"}, "normal", false, false},
    {"euler_ancestral", "Euler a", {"k_euler_a", "k_euler_ancestral"}, "normal", false, false},
    {"heun", "Heun", {"k_heun"}, "normal", true, false},
    {"dpm_2", "DPM2", {"k_dpm_2"}, "karras", true, true},
    {"dpm_2_ancestral", "DPM2 a", {"k_dpm_2_a"}, "karras", true, true},
    {"dpmpp_2s_ancestral", "DPM++ 2S a", {"k_dpmpp_2s_a"}, "karras", true, false},
    {"dpmpp_2m", "DPM++ 2M", {"k_dpmpp_2m"}, "karras", false, false},
    {"dpmpp_sde", "DPM++ SDE", {"k_dpmpp_sde"}, "karras", true, false},
    {"dpmpp_2m_sde", "DPM++ 2M SDE", {"k_dpmpp_2m_sde"}, "exponential", false, false},
    {"lcm", "LCM", {"k_lcm"}, "normal", false, false},
    {"ddim", "DDIM", {}, "normal", false, false},
}};

struct SchedulerEntry {
  std::string_view ours;
  std::string_view name;                    // A1111's scheduler name
  std::string_view label;                   // A1111's label (what infotext and the UI show)
  std::array<std::string_view, 1> aliases;  // "" unused
  double default_rho;
  bool need_inner_model;
};

// A1111's "uniform" (k-diffusion get_sigmas) and "normal" both space timesteps evenly from the
// last to the first, which is ComfyUI's "normal": both names resolve to it, and it is labelled
// "Normal" on the way out. "Linear Quadratic" is ComfyUI only; its label is ours.
constexpr std::array<SchedulerEntry, 10> kSchedulers = {{
    {"normal", "normal", "Normal", {}, -1, true},
    {"normal", "uniform", "Uniform", {}, -1, true},
    {"karras", "karras", "Karras", {}, 7.0, false},
    {"exponential", "exponential", "Exponential", {}, -1, false},
    {"sgm_uniform", "sgm_uniform", "SGM Uniform", {"SGMUniform"}, -1, true},
    {"simple", "simple", "Simple", {}, -1, true},
    {"ddim_uniform", "ddim", "DDIM", {}, -1, true},
    {"beta", "beta", "Beta", {}, -1, true},
    {"kl_optimal", "kl_optimal", "KL Optimal", {}, -1, false},
    {"linear_quadratic", "linear_quadratic", "Linear Quadratic", {}, -1, true},
}};

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

const SamplerEntry* find_sampler(std::string_view text) {
  for (const auto& e : kSamplers) {
    if (same_text(text, e.ours) || same_text(text, e.label)) return &e;
    for (auto alias : e.aliases)
      if (!alias.empty() && same_text(text, alias)) return &e;
  }
  return nullptr;
}

const SchedulerEntry* find_scheduler(std::string_view text) {
  for (const auto& e : kSchedulers) {
    if (same_text(text, e.ours) || same_text(text, e.name) || same_text(text, e.label)) return &e;
    for (auto alias : e.aliases)
      if (!alias.empty() && same_text(text, alias)) return &e;
  }
  return nullptr;
}

bool is_automatic(std::string_view scheduler) {
  return scheduler.empty() || same_text(scheduler, "automatic");
}

// Before A1111 1.9 the schedule was part of the sampler name ("DPM++ 2M Karras").
const SamplerEntry* split_legacy(std::string_view text, std::string& scheduler) {
  for (auto [suffix, ours] : {std::pair<std::string_view, std::string_view>{" Karras", "karras"},
                              {" Exponential", "exponential"}}) {
    if (text.size() <= suffix.size() ||
        !same_text(text.substr(text.size() - suffix.size()), suffix))
      continue;
    if (const SamplerEntry* e = find_sampler(text.substr(0, text.size() - suffix.size()))) {
      scheduler = std::string(ours);
      return e;
    }
  }
  return nullptr;
}

// Shortest text that reads back as the same double ("7", "7.5"), as Python prints numbers.
std::string number(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

SamplerChoice resolve_a1111_sampler(std::string_view sampler_name, std::string_view scheduler) {
  SamplerChoice out;
  std::string legacy_scheduler;
  const SamplerEntry* entry =
      sampler_name.empty() ? find_sampler("euler") : find_sampler(sampler_name);
  if (!entry) entry = split_legacy(sampler_name, legacy_scheduler);
  out.sampler = entry ? std::string(entry->ours) : std::string(sampler_name);
  if (!is_automatic(scheduler)) {
    const SchedulerEntry* s = find_scheduler(scheduler);
    out.scheduler = s ? std::string(s->ours) : std::string(scheduler);
  } else if (!legacy_scheduler.empty()) {
    out.scheduler = legacy_scheduler;
  } else {
    out.scheduler = entry ? std::string(entry->automatic) : "normal";
  }
  return out;
}

SamplerChoice resolve_native_sampler(std::string_view sampler, std::string_view scheduler) {
  std::string legacy_scheduler;
  const SamplerEntry* entry = sampler.empty() ? find_sampler("euler") : find_sampler(sampler);
  if (!entry) entry = split_legacy(sampler, legacy_scheduler);
  if (scheduler.empty()) scheduler = legacy_scheduler.empty() ? "normal" : legacy_scheduler;
  SamplerChoice out = resolve_a1111_sampler(entry ? entry->ours : sampler, scheduler);
  return out;
}

std::string accepted_sampler_names(const std::vector<std::string>& samplers) {
  std::string out;
  for (const auto& s : samplers) {
    if (!out.empty()) out += ", ";
    out += s;
    const SamplerEntry* e = find_sampler(s);
    if (!e || e->ours != s) continue;
    out += " (" + std::string(e->label);
    for (auto a : e->aliases)
      if (!a.empty()) out += ", " + std::string(a);
    out += ")";
  }
  return out;
}

std::string accepted_scheduler_names(const std::vector<std::string>& schedulers) {
  std::string out = "Automatic";
  for (const auto& s : schedulers) {
    out += ", " + s;
    std::string names;
    for (const auto& e : kSchedulers) {
      if (e.ours != s) continue;
      for (auto n : {e.name, e.label, e.aliases[0]})
        if (!n.empty() && n != s && names.find(std::string(n)) == std::string::npos)
          names += (names.empty() ? "" : ", ") + std::string(n);
    }
    if (!names.empty()) out += " (" + names + ")";
  }
  return out;
}

std::string sampler_label(const std::string& sampler) {
  for (const auto& e : kSamplers)
    if (e.ours == sampler) return std::string(e.label);
  return sampler;
}

std::string scheduler_label(const std::string& scheduler) {
  for (const auto& e : kSchedulers)
    if (e.ours == scheduler) return std::string(e.label);
  return scheduler;
}

nlohmann::json a1111_sampler_list(const std::vector<std::string>& samplers) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : samplers) {
    const SamplerEntry* e = find_sampler(s);
    if (!e || e->ours != s) {
      list.push_back({{"name", s},
                      {"aliases", nlohmann::json::array({s})},
                      {"options", nlohmann::json::object()}});
      continue;
    }
    nlohmann::json aliases = nlohmann::json::array();
    for (auto a : e->aliases)
      if (!a.empty()) aliases.push_back(a);
    aliases.push_back(s);  // the engine's own name is accepted too
    nlohmann::json options = nlohmann::json::object();
    if (e->automatic != "normal") options["scheduler"] = e->automatic;
    if (e->second_order) options["second_order"] = true;
    if (e->discard_next_to_last_sigma) options["discard_next_to_last_sigma"] = true;
    list.push_back({{"name", e->label}, {"aliases", aliases}, {"options", options}});
  }
  return list;
}

nlohmann::json a1111_scheduler_list(const std::vector<std::string>& schedulers) {
  nlohmann::json list = nlohmann::json::array();
  list.push_back({{"name", "automatic"},
                  {"label", "Automatic"},
                  {"aliases", nullptr},
                  {"default_rho", -1},
                  {"need_inner_model", false}});
  for (const auto& e : kSchedulers) {
    if (std::find(schedulers.begin(), schedulers.end(), e.ours) == schedulers.end()) continue;
    nlohmann::json aliases = nullptr;
    if (!e.aliases[0].empty()) aliases = nlohmann::json::array({e.aliases[0]});
    list.push_back({{"name", e.name},
                    {"label", e.label},
                    {"aliases", aliases},
                    {"default_rho", e.default_rho},
                    {"need_inner_model", e.need_inner_model}});
  }
  return list;
}

std::vector<std::pair<std::string, std::string>> a1111_hires_fields(const GenerationParams& p) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!p.hires) return out;
  const auto& h = *p.hires;
  // A1111's extra_generation_params, in the order its txt2img init() adds them.
  if (!h.sampler.empty() && h.sampler != p.sampler)
    out.emplace_back("Hires sampler", sampler_label(h.sampler));
  if (h.prompt) out.emplace_back("Hires prompt", *h.prompt);
  if (h.negative_prompt) out.emplace_back("Hires negative prompt", *h.negative_prompt);
  if (h.resize_x == 0 && h.resize_y == 0)
    out.emplace_back("Hires upscale", number(h.scale));
  else
    out.emplace_back("Hires resize", std::to_string(h.resize_x) + "x" + std::to_string(h.resize_y));
  if (h.steps > 0) out.emplace_back("Hires steps", std::to_string(h.steps));
  out.emplace_back("Hires upscaler", h.upscaler);
  if (!h.scheduler.empty() && h.scheduler != p.scheduler)
    out.emplace_back("Hires schedule type", scheduler_label(h.scheduler));
  return out;
}

std::string a1111_infotext(const GenerationParams& p, int index, const std::string& model_name,
                           const std::string& model_hash) {
  A1111Parameters info;
  info.prompt = p.prompt;
  info.negative_prompt = p.negative_prompt;
  info.set("Steps", std::to_string(p.steps));
  info.set("Sampler", sampler_label(p.sampler));
  info.set("Schedule type", scheduler_label(p.scheduler));
  info.set("CFG scale", number(p.cfg_scale));
  info.set("Seed", std::to_string(image_seed(p, index)));
  info.set("Size", std::to_string(p.width) + "x" + std::to_string(p.height));
  if (!model_hash.empty()) info.set("Model hash", model_hash);
  if (!model_name.empty()) info.set("Model", model_name);
  if (p.batch > 1) {
    info.set("Batch size", std::to_string(p.batch));
    info.set("Batch pos", std::to_string(index % p.batch));
  }
  if (p.subseed_strength != 0.0) {
    info.set("Variation seed", std::to_string(image_subseed(p, index)));
    info.set("Variation seed strength", number(p.subseed_strength));
  }
  if (p.seed_resize_from_w > 0 && p.seed_resize_from_h > 0)
    info.set("Seed resize from",
             std::to_string(p.seed_resize_from_w) + "x" + std::to_string(p.seed_resize_from_h));
  if (p.init_image) info.set("Denoising strength", number(p.strength));
  if (p.hires) info.set("Denoising strength", number(p.hires->denoise));
  if (p.inpaint)
    for (const auto& [key, value] : a1111_inpaint_keys(*p.inpaint)) info.set(key, value);
  // The engine generator draws its noise with torch's CPU generator (the pipeline default);
  // A1111 reads a missing RNG key as GPU noise, which would not reproduce the image.
  info.set("RNG", "CPU");
  for (auto& [key, value] : a1111_hires_fields(p)) info.set(key, value);
  info.set("Version", "pixforge");
  return format_a1111_parameters(info);
}

void attach_a1111_parameters(std::vector<Image>& outputs, const GenerationParams& params,
                             const std::string& model_name, const std::string& model_hash) {
  for (std::size_t i = 0; i < outputs.size(); ++i)
    outputs[i].text = {
        {"parameters", a1111_infotext(params, static_cast<int>(i), model_name, model_hash)}};
}

}  // namespace pixforge::service
