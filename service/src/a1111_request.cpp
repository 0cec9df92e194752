#include "a1111_request.h"

#include <cmath>
#include <random>
#include <tuple>

#include "a1111_mask.h"
#include "a1111_names.h"
#include "http.h"
#include "jobs_submit.h"
#include "request_params.h"
#include "uploads.h"

namespace pixforge::service::http {
namespace {

// A1111's UI caps batch count at 100; the daily quota bounds what a request can spend anyway.
constexpr int kMaxIterations = 100;
constexpr int kMaxMaskBlur = 64;
// A1111's UI offers 0..256; larger paddings only clamp to the picture anyway.
constexpr int kMaxPadding = 1024;

bool is_set(const nlohmann::json& b, const char* name) {
  auto it = b.find(name);
  return it != b.end() && !it->is_null();
}

// A number field that may only hold `expected` (or be absent/null): what this server does.
void require_number(const nlohmann::json& b, const char* name, double expected,
                    const std::string& why) {
  if (!is_set(b, name)) return;
  if (!b[name].is_number()) throw bad_request(name, "must be a number");
  if (std::abs(b[name].get<double>() - expected) > 1e-9) throw bad_request(name, why);
}

void refuse_true(const nlohmann::json& b, const char* name, const std::string& why) {
  if (bool_field(b, name, false)) throw bad_request(name, why);
}

void refuse_text(const nlohmann::json& b, const char* name, const std::string& why) {
  if (!str_field(b, name, false, 1 << 20).empty()) throw bad_request(name, why);
}

// The eta a sampler runs with here (ComfyUI's defaults): 1 for ancestral and SDE samplers, 0
// for DDIM; the others take none, so any eta is the no-op it is in A1111.
void check_eta(const nlohmann::json& b, const std::string& sampler) {
  if (!is_set(b, "eta")) return;
  double expected = -1;
  for (const char* s :
       {"euler_ancestral", "dpm_2_ancestral", "dpmpp_2s_ancestral", "dpmpp_sde", "dpmpp_2m_sde"})
    if (sampler == s) expected = 1.0;
  if (sampler == "ddim") expected = 0.0;
  if (expected < 0) return;
  require_number(b, "eta", expected,
                 "must be " + std::string(expected == 0 ? "0" : "1") + " for this sampler");
}

void check_styles(const nlohmann::json& b) {
  if (!is_set(b, "styles")) return;
  if (!b["styles"].is_array()) throw bad_request("styles", "must be an array of style names");
  for (const auto& s : b["styles"])
    if (!s.is_string()) throw bad_request("styles", "must be an array of style names");
}

void check_scripts(const nlohmann::json& b) {
  refuse_text(b, "script_name", "scripts are not supported on this server");
  if (!is_set(b, "alwayson_scripts")) return;
  const auto& scripts = b["alwayson_scripts"];
  if (!scripts.is_object()) throw bad_request("alwayson_scripts", "must be an object");
  if (!scripts.empty())
    throw ApiError(400, "invalid_field",
                   "field 'alwayson_scripts': always-on script '" + scripts.begin().key() +
                       "' is not available on this server (no scripts are)",
                   "alwayson_scripts");
}

// inpainting_fill: 0 fill, 1 original, 2 latent noise, 3 latent nothing (A1111's radio order).
MaskedContent masked_content(std::int64_t fill) {
  switch (fill) {
    case 0:
      return MaskedContent::Fill;
    case 2:
      return MaskedContent::LatentNoise;
    case 3:
      return MaskedContent::LatentNothing;
    default:
      return MaskedContent::Original;
  }
}

// inpaint_full_res is a bool in A1111's API model; pydantic also takes 0 and 1 for it, which
// tools copying the UI's radio index ("Whole picture" 0, "Only masked" 1) send.
bool inpaint_full_res(const nlohmann::json& b) {
  if (is_set(b, "inpaint_full_res") && b["inpaint_full_res"].is_number_integer())
    return int_field(b, "inpaint_full_res", 1, 0, 1) == 1;
  if (is_set(b, "inpaint_full_res") && !b["inpaint_full_res"].is_boolean())
    throw bad_request("inpaint_full_res", "must be true or false (or 1 or 0)");
  return bool_field(b, "inpaint_full_res", true);
}

}  // namespace

GenerationParams a1111_params(const nlohmann::json& b, const Limits& l) {
  GenerationParams p = common_json_params(b, l);
  std::string sampler = str_field(b, "sampler_name", false, 64);
  if (sampler.empty()) sampler = str_field(b, "sampler_index", false, 64);
  const SamplerChoice choice = resolve_a1111_sampler(sampler, str_field(b, "scheduler", false, 64));
  p.sampler = choice.sampler;
  p.scheduler = choice.scheduler;
  p.batch = static_cast<int>(int_field(b, "batch_size", 1, 1, l.max_batch));
  p.batch_count = static_cast<int>(int_field(b, "n_iter", 1, 1, kMaxIterations));
  p.seed_per_image = true;  // A1111's all_seeds: seed + image index
  // A1111 tools send denoising_strength 0 on txt2img (it only drives hires fix there);
  // img2img refuses 0 itself.
  const double strength = num_field(b, "denoising_strength", 0.75, 0.0, 1.0);
  if (strength > 0) p.strength = strength;
  // Variation seed (A1111's get_fixed_seed: -1 is random even at strength 0, for info).
  p.subseed = int_field(b, "subseed", -1, -1, 0xffffffffLL);
  if (p.subseed < 0) p.subseed = static_cast<std::int64_t>(std::random_device{}() % 4294967294u);
  p.subseed_strength = num_field(b, "subseed_strength", 0.0, 0.0, 1.0);
  // Seed resize: -1 or 0 is off (A1111 resizes only when both sides are > 0).
  for (auto [f, v, max] : {std::tuple{"seed_resize_from_w", &p.seed_resize_from_w, l.max_width},
                           std::tuple{"seed_resize_from_h", &p.seed_resize_from_h, l.max_height}}) {
    *v = static_cast<int>(int_field(b, f, -1, -1, max));
    if (*v > 0 && *v < 8) throw bad_request(f, "must be -1 or 0 (off) or at least 8");
  }
  if (p.seed_resize_from_w <= 0 || p.seed_resize_from_h <= 0)
    p.seed_resize_from_w = p.seed_resize_from_h = 0;
  return p;
}

void apply_a1111_hires(const nlohmann::json& b, const Limits& l, GenerationParams& p) {
  if (!bool_field(b, "enable_hr", false)) return;
  GenerationParams::Hires h;
  h.scale = num_field(b, "hr_scale", 2.0, 1.0, 8.0);
  h.resize_x = static_cast<int>(int_field(b, "hr_resize_x", 0, 0, l.max_width));
  h.resize_y = static_cast<int>(int_field(b, "hr_resize_y", 0, 0, l.max_height));
  h.steps = static_cast<int>(int_field(b, "hr_second_pass_steps", 0, 0, l.max_steps));
  // A1111 uses denoising_strength for the second pass; 0 would sample nothing.
  h.denoise = num_field(b, "denoising_strength", 0.75, 0.0, 1.0);
  if (h.denoise <= 0)
    throw bad_request("denoising_strength", "must be greater than 0 with enable_hr");
  // null: A1111's default latent mode, "Latent".
  const std::string upscaler = str_field(b, "hr_upscaler", false, 128);
  if (!upscaler.empty()) h.upscaler = upscaler;
  std::string sampler = str_field(b, "hr_sampler_name", false, 64);
  if (sampler == "Use same sampler") sampler.clear();
  std::string scheduler = str_field(b, "hr_scheduler", false, 64);
  if (scheduler == "Use same scheduler") scheduler.clear();
  if (!sampler.empty()) h.sampler = resolve_a1111_sampler(sampler, "").sampler;
  if (!scheduler.empty())
    h.scheduler =
        resolve_a1111_sampler(h.sampler.empty() ? sampler_label(p.sampler) : sampler, scheduler)
            .scheduler;
  // "" is A1111's "same as the first pass".
  const std::string prompt = str_field(b, "hr_prompt", false, l.max_prompt_chars);
  if (!prompt.empty() && prompt != p.prompt) h.prompt = prompt;
  const std::string negative = str_field(b, "hr_negative_prompt", false, l.max_prompt_chars);
  if (!negative.empty() && negative != p.negative_prompt) h.negative_prompt = negative;
  p.hires = std::move(h);
}

void check_a1111_fields(const nlohmann::json& b, const GenerationParams& p) {
  if (p.init_image)
    refuse_true(b, "enable_hr", "hires fix is a txt2img option (A1111's img2img has none)");
  if (p.hires) {
    const std::string checkpoint = str_field(b, "hr_checkpoint_name", false, 256);
    if (!checkpoint.empty() && checkpoint != "Use same checkpoint")
      throw bad_request("hr_checkpoint_name",
                        "a second checkpoint is not supported on this server");
    for (const char* f : {"firstphase_width", "firstphase_height"})
      if (int_field(b, f, 0, 0, 1 << 16) != 0)
        throw bad_request(f,
                          "must be 0 (the old hires fix sizes are not supported; use "
                          "width/height with hr_scale or hr_resize_x/y)");
  }
  refuse_true(b, "restore_faces", "face restoration is not supported on this server");
  refuse_true(b, "tiling", "tiling (seamless textures) is not supported on this server");
  check_styles(b);
  check_scripts(b);
  refuse_text(b, "refiner_checkpoint", "a refiner checkpoint is not supported on this server");
  refuse_text(b, "infotext", "applying an infotext is not supported; send the fields instead");
  refuse_text(b, "latent_mask", "a separate latent mask is not supported; send `mask`");
  require_number(b, "s_churn", 0, "must be 0 (churn is not supported)");
  require_number(b, "s_noise", 1, "must be 1");
  require_number(b, "s_min_uncond", 0, "must be 0 (skipping the negative prompt is not supported)");
  require_number(b, "initial_noise_multiplier", 1, "must be 1");
  check_eta(b, p.sampler);
  bool_field(b, "send_images", true);  // type checks; the routes honour them
  bool_field(b, "save_images", false);
  bool_field(b, "include_init_images", false);
}

void check_override_settings(const nlohmann::json& b, const nlohmann::json& options,
                             const A1111Checkpoint& checkpoint) {
  if (!is_set(b, "override_settings")) return;
  const auto& settings = b["override_settings"];
  if (!settings.is_object()) throw bad_request("override_settings", "must be an object");
  for (const auto& [key, value] : settings.items()) {
    const std::string field = "override_settings." + key;
    if (key == "sd_model_checkpoint" && value.is_string() &&
        names_checkpoint(checkpoint, value.get<std::string>()))
      continue;
    auto it = options.find(key);
    if (it == options.end())
      throw ApiError(400, "unsupported_option", "option '" + key + "' is not supported", field);
    if (*it != value)
      throw ApiError(
          400, "option_not_settable",
          "option '" + key + "' cannot be changed on this server (in effect: " + it->dump() + ")",
          field);
  }
}

void apply_a1111_mask(const nlohmann::json& b, const Limits& limits, GenerationParams& p) {
  if (!is_set(b, "mask")) return;
  InpaintOptions o;
  o.content = masked_content(int_field(b, "inpainting_fill", 0, 0, 3));
  o.only_masked = inpaint_full_res(b);
  // The API's default padding is 0 (StableDiffusionProcessingImg2Img's); 32 is only the UI's.
  o.padding = static_cast<int>(int_field(b, "inpaint_full_res_padding", 0, 0, kMaxPadding));
  o.overlay = true;  // A1111 pastes the original back over every inpainted output
  o.invert = int_field(b, "inpainting_mask_invert", 0, 0, 1) == 1;
  o.round_mask = bool_field(b, "mask_round", true);
  int blur_x = static_cast<int>(int_field(b, "mask_blur_x", 4, 0, kMaxMaskBlur));
  int blur_y = static_cast<int>(int_field(b, "mask_blur_y", 4, 0, kMaxMaskBlur));
  if (is_set(b, "mask_blur"))  // A1111: mask_blur, when given, sets both directions
    blur_x = blur_y = static_cast<int>(int_field(b, "mask_blur", 4, 0, kMaxMaskBlur));
  // A1111 records mask_blur, which reads as one number only when both directions agree.
  o.mask_blur = blur_x == blur_y ? blur_x : 0;
  Image mask =
      mask_from_luminance(decode_upload_field(b, "mask", limits), o.invert, *p.init_image, "mask");
  blur_mask(mask, blur_x, blur_y);
  p.mask = std::move(mask);
  p.inpaint = o;
}

}  // namespace pixforge::service::http
