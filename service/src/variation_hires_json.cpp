#include "variation_hires_json.h"

namespace pixforge::service {

nlohmann::json with_variation_hires(const GenerationParams& p, nlohmann::json out) {
  out["subseed"] = p.subseed;
  out["subseed_strength"] = p.subseed_strength;
  out["seed_resize_from_w"] = p.seed_resize_from_w;
  out["seed_resize_from_h"] = p.seed_resize_from_h;
  if (!p.hires) return out;
  const auto& h = *p.hires;
  nlohmann::json hr = {{"scale", h.scale},     {"resize_x", h.resize_x},  {"resize_y", h.resize_y},
                       {"steps", h.steps},     {"denoise", h.denoise},    {"upscaler", h.upscaler},
                       {"sampler", h.sampler}, {"scheduler", h.scheduler}};
  if (h.prompt) hr["prompt"] = *h.prompt;
  if (h.negative_prompt) hr["negative_prompt"] = *h.negative_prompt;
  out["hires"] = std::move(hr);
  return out;
}

void read_variation_hires_json(const nlohmann::json& j, GenerationParams& p) {
  p.subseed = j.value("subseed", std::int64_t{0});
  p.subseed_strength = j.value("subseed_strength", 0.0);
  p.seed_resize_from_w = j.value("seed_resize_from_w", 0);
  p.seed_resize_from_h = j.value("seed_resize_from_h", 0);
  const auto it = j.find("hires");
  if (it == j.end() || !it->is_object()) return;
  GenerationParams::Hires h;
  h.scale = it->value("scale", 2.0);
  h.resize_x = it->value("resize_x", 0);
  h.resize_y = it->value("resize_y", 0);
  h.steps = it->value("steps", 0);
  h.denoise = it->value("denoise", 0.75);
  h.upscaler = it->value("upscaler", std::string("Latent"));
  h.sampler = it->value("sampler", std::string());
  h.scheduler = it->value("scheduler", std::string());
  if (it->contains("prompt")) h.prompt = it->at("prompt").get<std::string>();
  if (it->contains("negative_prompt"))
    h.negative_prompt = it->at("negative_prompt").get<std::string>();
  p.hires = std::move(h);
}

}  // namespace pixforge::service
