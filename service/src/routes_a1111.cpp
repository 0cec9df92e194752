// AUTOMATIC1111-compatible API (F13) for the many tools that speak it: txt2img, img2img,
// progress, sd-models, samplers, schedulers, options. Bodies and answers follow A1111 1.9+:
// display sampler names with a separate `scheduler`, `info` as a JSON string.
#include <ctime>

#include "a1111_names.h"
#include "http.h"
#include "identity.h"
#include "job_runner.h"
#include "jobs_submit.h"
#include "request_params.h"
#include "uploads.h"

namespace pixforge::service::http {

GenerationParams a1111_params(const nlohmann::json& b, const Limits& l) {
  GenerationParams p = common_json_params(b, l);
  std::string sampler = str_field(b, "sampler_name", false, 64);
  if (sampler.empty()) sampler = str_field(b, "sampler_index", false, 64);
  const SamplerChoice choice = resolve_a1111_sampler(sampler, str_field(b, "scheduler", false, 64));
  p.sampler = choice.sampler;
  p.scheduler = choice.scheduler;
  p.batch = static_cast<int>(int_field(b, "batch_size", 1, 1, l.max_batch));
  if (int_field(b, "n_iter", 1, 1, 1) != 1) throw bad_request("n_iter", "must be 1");
  // A1111 tools send denoising_strength 0 on txt2img (it only drives hires fix there);
  // img2img refuses 0 itself.
  const double strength = num_field(b, "denoising_strength", 0.75, 0.0, 1.0);
  if (strength > 0) p.strength = strength;
  return p;
}

namespace {

constexpr int kSyncTimeoutMs = 600'000;

// A1111's job_timestamp: the UTC time the job was created, "YYYYmmddHHMMSS".
std::string job_timestamp(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  return buf;
}

// `parameters`: the request as A1111 echoes it, defaults filled in, images left out.
nlohmann::json echo_request(const nlohmann::json& body, const GenerationParams& p) {
  nlohmann::json out = body.is_object() ? body : nlohmann::json::object();
  const nlohmann::json defaults = {
      {"prompt", p.prompt},
      {"negative_prompt", p.negative_prompt},
      {"styles", nlohmann::json::array()},
      {"seed", -1},
      {"subseed", -1},
      {"subseed_strength", 0},
      {"sampler_name", sampler_label(p.sampler)},
      {"scheduler", scheduler_label(p.scheduler)},
      {"batch_size", p.batch},
      {"n_iter", 1},
      {"steps", p.steps},
      {"cfg_scale", p.cfg_scale},
      {"width", p.width},
      {"height", p.height},
      {"restore_faces", nullptr},
      {"tiling", nullptr},
      {"denoising_strength", p.init_image ? nlohmann::json(p.strength) : nlohmann::json(nullptr)},
      {"send_images", true},
      {"save_images", false}};
  for (const auto& [key, value] : defaults.items())
    if (!out.contains(key) || out[key].is_null()) out[key] = value;
  if (out.contains("init_images")) out["init_images"] = nullptr;
  if (out.contains("mask")) out["mask"] = nullptr;
  return out;
}

// `info`: what A1111 tools read from the JSON string (seed, all_seeds, infotexts, ...). Every
// image of a batch shares the seed (one noise draw per batch, as ComfyUI).
nlohmann::json info_json(const Ctx& c, const JobRow& job, const GenerationParams& p, int images) {
  const std::string model = c.app.generator ? c.app.generator->model_name() : "";
  nlohmann::json infotexts = nlohmann::json::array();
  for (int i = 0; i < images; ++i) infotexts.push_back(a1111_infotext(p, i, model));
  const auto repeat = [&](const nlohmann::json& v) {
    return nlohmann::json::array_t(static_cast<std::size_t>(images), v);
  };
  return {{"prompt", p.prompt},
          {"all_prompts", repeat(p.prompt)},
          {"negative_prompt", p.negative_prompt},
          {"all_negative_prompts", repeat(p.negative_prompt)},
          {"seed", p.seed},
          {"all_seeds", repeat(p.seed)},
          {"subseed", -1},
          {"all_subseeds", repeat(-1)},
          {"subseed_strength", 0},
          {"width", p.width},
          {"height", p.height},
          {"sampler_name", sampler_label(p.sampler)},
          {"scheduler", scheduler_label(p.scheduler)},
          {"cfg_scale", p.cfg_scale},
          {"steps", p.steps},
          {"batch_size", p.batch},
          {"restore_faces", false},
          {"face_restoration_model", nullptr},
          {"sd_model_name", model},
          {"sd_model_hash", nullptr},
          {"sd_vae_name", nullptr},
          {"sd_vae_hash", nullptr},
          {"seed_resize_from_w", -1},
          {"seed_resize_from_h", -1},
          {"denoising_strength", p.init_image ? nlohmann::json(p.strength) : nlohmann::json(0)},
          {"extra_generation_params", {{"Schedule type", scheduler_label(p.scheduler)}}},
          {"index_of_first_image", 0},
          {"infotexts", infotexts},
          {"styles", nlohmann::json::array()},
          {"job_timestamp", job_timestamp(job.created_ms)},
          {"clip_skip", 1},
          {"is_using_inpainting_conditioning", false},
          {"version", "pixforge"},
          {"job_id", job.id}};
}

void respond(Ctx& c, const std::string& job_id, const GenerationParams& p,
             const nlohmann::json& body) {
  const JobRow job = await_job(c.app, job_id, kSyncTimeoutMs);
  if (job.state != "succeeded")
    throw ApiError(job.state == "cancelled" ? 409 : 500, "generation_" + job.state,
                   "the generation " + job.state);
  nlohmann::json images = nlohmann::json::array();
  for (const auto& id : job_outputs(c.app, job))
    images.push_back(base64(output_png(c.app, *c.app.store->find_blob(id))));
  c.app.store->mark_returned(job.id, c.app.now());
  // The prompt is echoed only to its author, in this response; it is not re-stored.
  const int count = static_cast<int>(images.size());
  send_json(c, 200,
            {{"images", images},
             {"parameters", echo_request(body, p)},
             {"info", info_json(c, job, p, count).dump()},
             {"moderation", moderation_json(c.app, job)}});  // P8 rewrite, P9 withheld images
}

void post_txt2img(Ctx& c) {
  check_can_generate(c);
  const auto b = body_json(c);
  GenerationParams p = a1111_params(b, c.app.config.limits);
  validate_params(c, p);
  const GenerationParams echo = p;
  respond(c, submit_job(c, std::move(p), "a1111"), echo, b);
}

void post_img2img(Ctx& c) {
  check_can_generate(c);
  const auto b = body_json(c);
  GenerationParams p = a1111_params(b, c.app.config.limits);
  auto it = b.find("init_images");
  if (it == b.end() || !it->is_array() || it->empty() || !(*it)[0].is_string())
    throw bad_request("init_images", "must be an array with one base64 image");
  if (b.contains("denoising_strength") && num_field(b, "denoising_strength", 0.75, 0.0, 1.0) == 0)
    throw bad_request("denoising_strength", "must be greater than 0 for img2img");
  p.init_image = decode_upload(base64_decode((*it)[0].get<std::string>(), "init_images"),
                               c.app.config.limits, "init_images");
  if (b.contains("mask") && b["mask"].is_string())
    p.mask = mask_from_luminance(decode_upload_field(b, "mask", c.app.config.limits),
                                 int_field(b, "inpainting_mask_invert", 0, 0, 1) == 1,
                                 *p.init_image, "mask");
  validate_params(c, p);
  // The init image stays in the echo: the infotext says "Denoising strength" for img2img.
  GenerationParams echo = p;
  echo.mask.reset();
  respond(c, submit_job(c, std::move(p), "a1111"), echo, b);
}

// Progress of the caller's own current job only (other users' jobs are not visible).
void get_progress(Ctx& c) {
  nlohmann::json state = {{"skipped", false}, {"interrupted", false}, {"job", ""},
                          {"job_count", 0},   {"sampling_step", 0},   {"sampling_steps", 0}};
  nlohmann::json out = {
      {"progress", 0.0}, {"eta_relative", 0.0}, {"current_image", nullptr}, {"textinfo", nullptr}};
  if (c.who.exists()) {
    int active = 0;
    for (const auto& job : c.app.store->jobs(c.who.owner_id)) {
      if (job.state != "queued" && job.state != "running") continue;
      ++active;
      if (job.state != "running") continue;
      state["job"] = job.id;
      auto [seq, ev] = c.app.events.wait(job.id, 0, std::chrono::milliseconds(0));
      (void)seq;
      if (!ev.is_null() && ev.value("type", "") == "progress") {
        const int step = ev.value("step", 0), total = ev.value("total", 0);
        state["sampling_step"] = step;
        state["sampling_steps"] = total;
        if (total > 0) out["progress"] = static_cast<double>(step) / total;
        if (ev.contains("preview")) {
          const std::string url = ev["preview"];
          out["current_image"] = url.substr(url.find(',') + 1);
        }
      }
    }
    state["job_count"] = active;
  }
  out["state"] = state;
  send_json(c, 200, out);
}

// The checkpoint is named by its file stem only: the server's paths are not the client's
// business (A1111 sends the absolute path as "filename").
void get_models(Ctx& c) {
  nlohmann::json list = nlohmann::json::array();
  if (c.app.generator) {
    const std::string name = c.app.generator->model_name();
    list.push_back({{"title", name},
                    {"model_name", name},
                    {"hash", nullptr},
                    {"sha256", nullptr},
                    {"filename", name},
                    {"config", nullptr}});
  }
  send_json(c, 200, list);
}

void get_samplers(Ctx& c) {
  send_json(c, 200,
            a1111_sampler_list(c.app.generator ? c.app.generator->samplers()
                                               : std::vector<std::string>{}));
}

void get_schedulers(Ctx& c) {
  send_json(c, 200,
            a1111_scheduler_list(c.app.generator ? c.app.generator->schedulers()
                                                 : std::vector<std::string>{}));
}

// The settings A1111 tools read to show and pick the checkpoint and output format. Values are
// what this server does; none of them is a per-user preference.
nlohmann::json current_options(const Ctx& c) {
  const std::string model = c.app.generator ? c.app.generator->model_name() : "";
  return {{"sd_model_checkpoint", model.empty() ? nlohmann::json(nullptr) : nlohmann::json(model)},
          {"sd_checkpoint_hash", nullptr},
          {"sd_vae", "Automatic"},
          {"CLIP_stop_at_last_layers", 1},
          {"eta_noise_seed_delta", 0},
          {"randn_source", "CPU"},
          {"samples_format", "png"},
          {"enable_pnginfo", c.app.config.privacy.embed_parameters},
          {"samples_save", false},
          {"save_images_add_number", false},
          {"live_previews_enable", true},
          {"show_progress_every_n_steps", 1}};
}

void get_options(Ctx& c) { send_json(c, 200, current_options(c)); }

// Tools set options to switch the checkpoint before generating. One model is loaded and
// options are server-wide, so a value may only restate what is in effect; anything else is
// refused naming the option, rather than pretending it took effect.
void post_options(Ctx& c) {
  const auto body = body_json(c);
  if (!body.is_object()) throw bad_request("", "body must be a JSON object of options");
  const nlohmann::json now = current_options(c);
  for (const auto& [key, value] : body.items()) {
    auto it = now.find(key);
    if (it == now.end())
      throw ApiError(400, "unsupported_option", "option '" + key + "' is not supported", key);
    if (*it != value)
      throw ApiError(400, "option_not_settable",
                     "option '" + key + "' cannot be changed on this server (GET " +
                         "/sdapi/v1/options shows the value in effect)",
                     key);
  }
  send_json(c, 200, nullptr);
}

}  // namespace

void add_a1111_routes(Router& r) {
  r.add("POST", "/sdapi/v1/txt2img", Style::kA1111, post_txt2img);
  r.add("POST", "/sdapi/v1/img2img", Style::kA1111, post_img2img);
  r.add("GET", "/sdapi/v1/progress", Style::kA1111, get_progress);
  r.add("GET", "/sdapi/v1/sd-models", Style::kA1111, get_models);
  r.add("GET", "/sdapi/v1/samplers", Style::kA1111, get_samplers);
  r.add("GET", "/sdapi/v1/schedulers", Style::kA1111, get_schedulers);
  r.add("GET", "/sdapi/v1/options", Style::kA1111, get_options);
  r.add("POST", "/sdapi/v1/options", Style::kA1111, post_options);
}

}  // namespace pixforge::service::http
