// AUTOMATIC1111-compatible API (F13) for the many tools that speak it: txt2img, img2img,
// progress, sd-models, samplers, schedulers, options. Bodies and answers follow A1111 1.9+:
// display sampler names with a separate `scheduler`, `info` as a JSON string.
#include <algorithm>
#include <ctime>

#include "a1111_batch.h"
#include "a1111_model.h"
#include "a1111_names.h"
#include "a1111_request.h"
#include "http.h"
#include "identity.h"
#include "job_runner.h"
#include "jobs_submit.h"
#include "request_params.h"
#include "uploads.h"

namespace pixforge::service::http {

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
      {"n_iter", p.batch_count},
      {"steps", p.steps},
      {"cfg_scale", p.cfg_scale},
      {"width", p.width},
      {"height", p.height},
      {"restore_faces", nullptr},
      {"tiling", nullptr},
      {"denoising_strength", p.init_image ? nlohmann::json(p.strength)
                             : p.hires    ? nlohmann::json(p.hires->denoise)
                                          : nlohmann::json(nullptr)},
      {"send_images", true},
      {"save_images", false}};
  for (const auto& [key, value] : defaults.items())
    if (!out.contains(key) || out[key].is_null()) out[key] = value;
  // A1111 leaves the images out of the echo unless include_init_images asks for them.
  if (!bool_field(out, "include_init_images", false)) {
    if (out.contains("init_images")) out["init_images"] = nullptr;
    if (out.contains("mask")) out["mask"] = nullptr;
  }
  return out;
}

// `info`: what A1111 tools read from the JSON string, filled as A1111's Processed.js() fills it.
// `indices` are the job's image indices of the returned images (all of them unless output
// moderation withheld some), so images[i], all_seeds[i] and infotexts[i] belong together.
nlohmann::json info_json(const Ctx& c, const JobRow& job, const GenerationParams& p,
                         const std::vector<int>& indices, const nlohmann::json& body) {
  const A1111Checkpoint model =
      c.app.generator ? a1111_checkpoint(*c.app.generator) : A1111Checkpoint{};
  // p.subseed was resolved at the request (A1111's get_fixed_seed: random for -1 even at
  // strength 0); image k's is subseed + k.
  nlohmann::json infotexts = nlohmann::json::array(), seeds = nlohmann::json::array(),
                 subseeds = nlohmann::json::array();
  for (int i : indices) {
    infotexts.push_back(a1111_infotext(p, i, model.model_name, model.hash));
    seeds.push_back(image_seed(p, i));
    subseeds.push_back(image_subseed(p, i));
  }
  nlohmann::json extra = {{"Schedule type", scheduler_label(p.scheduler)}};
  for (const auto& [key, value] : a1111_hires_fields(p)) extra[key] = value;
  const auto resize = [&](int v) { return p.seed_resize_from_w > 0 && v > 0 ? v : -1; };
  const auto repeat = [&](const nlohmann::json& v) {
    return nlohmann::json::array_t(indices.size(), v);
  };
  const auto or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
  };
  return {
      {"prompt", p.prompt},
      {"all_prompts", repeat(p.prompt)},
      {"negative_prompt", p.negative_prompt},
      {"all_negative_prompts", repeat(p.negative_prompt)},
      {"seed", seeds.empty() ? nlohmann::json(p.seed) : seeds[0]},
      {"all_seeds", seeds},
      {"subseed", subseeds.empty() ? nlohmann::json(p.subseed) : subseeds[0]},
      {"all_subseeds", subseeds},
      {"subseed_strength", p.subseed_strength},
      {"width", p.width},
      {"height", p.height},
      {"sampler_name", sampler_label(p.sampler)},
      {"cfg_scale", p.cfg_scale},
      {"steps", p.steps},
      {"batch_size", p.batch},
      {"restore_faces", false},
      {"face_restoration_model", nullptr},
      {"sd_model_name", model.model_name},
      {"sd_model_hash", or_null(model.hash)},
      {"sd_vae_name", nullptr},
      {"sd_vae_hash", nullptr},
      {"seed_resize_from_w", resize(p.seed_resize_from_w)},
      {"seed_resize_from_h", resize(p.seed_resize_from_h)},
      {"denoising_strength", p.init_image ? nlohmann::json(p.strength)
                             : p.hires    ? nlohmann::json(p.hires->denoise)
                                          : nlohmann::json(0)},
      {"extra_generation_params", extra},
      // No grid is ever made (nothing is saved in a server folder), so images[0] is the
      // first image.
      {"index_of_first_image", 0},
      {"infotexts", infotexts},
      {"styles", body.contains("styles") && body["styles"].is_array() ? body["styles"]
                                                                      : nlohmann::json::array()},
      {"job_timestamp", job_timestamp(job.created_ms)},
      {"clip_skip", 1},
      {"is_using_inpainting_conditioning", false},
      {"version", "pixforge"},
      {"job_id", job.id}};
}

// Job image index of each visible output: outputs and withheld (P9) images are stored in
// generation order, so a visible output's index is its position among both.
std::vector<int> visible_indices(Service::State& app, const JobRow& job) {
  std::vector<int> out;
  int index = 0;
  for (const auto& b : app.store->job_blobs(job.id)) {
    if (b.owner_id != job.owner_id || (b.kind != "output" && b.kind != "flagged")) continue;
    if (b.kind == "output") out.push_back(index);
    ++index;
  }
  return out;
}

void respond(Ctx& c, const std::string& job_id, const GenerationParams& p,
             const nlohmann::json& body) {
  const JobRow job = await_job(c.app, job_id, kSyncTimeoutMs);
  if (job.state != "succeeded")
    throw ApiError(job.state == "cancelled" ? 409 : 500, "generation_" + job.state,
                   "the generation " + job.state);
  // send_images false: A1111 answers with no images (the tool reads them another way; here
  // they stay in the owner's gallery).
  const JobOutputs outputs = c.app.store->job_outputs(job.id, job.owner_id);
  nlohmann::json images = nlohmann::json::array();
  if (bool_field(body, "send_images", true))
    for (const auto& id : outputs.image_ids)
      images.push_back(base64(output_png(c.app, *c.app.store->find_blob(id))));
  c.app.store->mark_returned(job.id, c.app.now());
  // The prompt is echoed only to its author, in this response; it is not re-stored.
  send_json(c, 200,
            {{"images", images},
             {"parameters", echo_request(body, p)},
             {"info", info_json(c, job, p, visible_indices(c.app, job), body).dump()},
             {"moderation", moderation_json(job, outputs)}});  // P8 rewrite, P9 withheld images
}

// The A1111 checks that need the loaded model (override_settings names the checkpoint).
void check_a1111_request(const Ctx& c, const nlohmann::json& b, const GenerationParams& p);

// What the engine checks of variation seeds and the hires fix, as a 400 naming the field, and
// the hires target against this server's size limits.
void check_output_size(const Ctx& c, const GenerationParams& p) {
  if (p.hires) {  // the hires pass's names against what the generator runs, as validate_params
    const auto samplers = c.app.generator->samplers();
    const std::string& hs = p.hires->sampler;
    if (!hs.empty() && std::find(samplers.begin(), samplers.end(), hs) == samplers.end())
      throw bad_request("hr_sampler_name", "must be one of: " + accepted_sampler_names(samplers));
    const auto schedulers = c.app.generator->schedulers();
    const std::string& hc = p.hires->scheduler;
    if (!hc.empty() && std::find(schedulers.begin(), schedulers.end(), hc) == schedulers.end())
      throw bad_request("hr_scheduler", "must be one of: " + accepted_scheduler_names(schedulers));
  }
  std::pair<int, int> size;
  try {
    size = c.app.generator->checked_output_size(p);
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    const char* field = "enable_hr";
    for (const auto& [word, name] :
         {std::pair{"upscaler", "hr_upscaler"}, std::pair{"hires sampler", "hr_sampler_name"},
          std::pair{"hires scheduler", "hr_scheduler"},
          std::pair{"hires steps", "hr_second_pass_steps"},
          std::pair{"hires resize", "hr_resize_x"}, std::pair{"hires", "hr_scale"},
          std::pair{"seed resize", "seed_resize_from_w"}, std::pair{"subseed", "subseed_strength"}})
      if (m.find(word) != std::string::npos) {
        field = name;
        break;
      }
    throw bad_request(field, m);
  }
  const Limits& l = c.app.config.limits;
  if (size.first > l.max_width || size.second > l.max_height)
    throw bad_request(
        p.hires && (p.hires->resize_x || p.hires->resize_y) ? "hr_resize_x" : "hr_scale",
        "the hires target " + std::to_string(size.first) + "x" + std::to_string(size.second) +
            " exceeds this server's limit of " + std::to_string(l.max_width) + "x" +
            std::to_string(l.max_height));
}

void post_txt2img(Ctx& c) {
  check_can_generate(c);
  const auto b = body_json(c);
  GenerationParams p = a1111_params(b, c.app.config.limits);
  apply_a1111_hires(b, c.app.config.limits, p);
  validate_params(c, p);
  check_a1111_request(c, b, p);
  check_output_size(c, p);
  const GenerationParams echo = p;
  respond(c, submit_job(c, std::move(p), "a1111"), echo, b);
}

void post_img2img(Ctx& c) {
  check_can_generate(c);
  const auto b = body_json(c);
  GenerationParams p = a1111_params(b, c.app.config.limits);
  auto it = b.find("init_images");
  // A1111 gives batch images init_images[i % n]; one init image for every image is what runs.
  if (it == b.end() || !it->is_array() || it->size() != 1 || !(*it)[0].is_string())
    throw bad_request("init_images", "must be an array with one base64 image");
  if (b.contains("denoising_strength") && num_field(b, "denoising_strength", 0.75, 0.0, 1.0) == 0)
    throw bad_request("denoising_strength", "must be greater than 0 for img2img");
  // A1111's resize_mode 0 ("Just resize") stretches the init image to width x height, which is
  // what the engine does; crop, fill and latent upscale are not.
  if (int_field(b, "resize_mode", 0, 0, 3) != 0)
    throw bad_request("resize_mode", "only 0 (just resize) is supported");
  p.init_image = decode_upload(base64_decode((*it)[0].get<std::string>(), "init_images"),
                               c.app.config.limits, "init_images");
  apply_a1111_mask(b, c.app.config.limits, p);
  validate_params(c, p);
  check_a1111_request(c, b, p);
  check_output_size(c, p);
  // The init image stays in the echo: the infotext says "Denoising strength" for img2img.
  GenerationParams echo = p;
  echo.mask.reset();
  respond(c, submit_job(c, std::move(p), "a1111"), echo, b);
}

// A1111's progress of the caller's own running job (other users' jobs are not visible):
// state.job_no / job_count are the iteration and n_iter, sampling_step / sampling_steps the
// step within the iteration, and progress is A1111's 0.01 + job_no / job_count + sampling_step
// / sampling_steps / job_count (capped at 1), with eta_relative from the time it started.
void get_progress(Ctx& c) {
  nlohmann::json state = {
      {"skipped", false}, {"interrupted", false}, {"stopping_generation", false},
      {"job", ""},        {"job_count", 0},       {"job_timestamp", "0"},
      {"job_no", 0},      {"sampling_step", 0},   {"sampling_steps", 0}};
  nlohmann::json out = {{"progress", 0.0},
                        {"eta_relative", 0.0},
                        {"current_image", nullptr},
                        {"textinfo", nullptr},
                        {"current_task", nullptr}};
  if (c.who.exists()) {
    for (const auto& job : c.app.store->jobs(c.who.owner_id)) {
      if (job.state != "running") continue;
      state["job"] = job.id;
      state["job_timestamp"] = job_timestamp(job.started_ms ? job.started_ms : job.created_ms);
      state["job_count"] = 1;
      auto [seq, ev] = c.app.events.wait(job.id, 0, std::chrono::milliseconds(0));
      (void)seq;
      if (ev.is_null() || ev.value("type", "") != "progress") break;
      const int job_no = ev.value("iteration", 0), job_count = ev.value("iterations", 1);
      const int step = ev.value("iteration_step", ev.value("step", 0));
      const int steps = ev.value("iteration_steps", ev.value("total", 0));
      state["job_no"] = job_no;
      state["job_count"] = job_count;
      state["sampling_step"] = step;
      state["sampling_steps"] = steps;
      double progress = 0.01 + static_cast<double>(job_no) / std::max(job_count, 1);
      if (steps > 0) progress += static_cast<double>(step) / steps / std::max(job_count, 1);
      if (job.started_ms > 0) {
        const double elapsed = static_cast<double>(c.app.now() - job.started_ms) / 1000.0;
        out["eta_relative"] = elapsed / progress - elapsed;
      }
      out["progress"] = std::min(progress, 1.0);
      if (ev.contains("preview") && c.req.get_param_value("skip_current_image") != "true") {
        const std::string url = ev["preview"];
        out["current_image"] = url.substr(url.find(',') + 1);
      }
      break;
    }
  }
  out["state"] = state;
  send_json(c, 200, out);
}

// The loaded checkpoint as A1111 lists it: "name.safetensors [shorthash]", the short hash,
// the whole file's sha256 (null until the background hash is done), the file name (never a
// server path), no config.
void get_models(Ctx& c) {
  nlohmann::json list = nlohmann::json::array();
  if (c.app.generator) list.push_back(sd_models_entry(a1111_checkpoint(*c.app.generator)));
  send_json(c, 200, list);
}

void get_samplers(Ctx& c) {
  send_json(c, 200,
            a1111_sampler_list(c.app.generator ? c.app.generator->samplers()
                                               : std::vector<std::string>{}));
}

// GET /sdapi/v1/upscalers: the pixel upscalers the hires fix runs, in A1111's shape;
// GET /sdapi/v1/latent-upscale-modes: its latent modes ({name}). Both list what works here.
std::vector<std::string> hires_upscalers(const Ctx& c, bool latent) {
  std::vector<std::string> out;
  if (!c.app.generator) return out;
  for (const auto& name : c.app.generator->hires_upscalers())
    if ((name.rfind("Latent", 0) == 0) == latent) out.push_back(name);
  return out;
}

void get_upscalers(Ctx& c) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& name : hires_upscalers(c, false))
    list.push_back({{"name", name},
                    {"model_name", nullptr},
                    {"model_path", nullptr},
                    {"model_url", nullptr},
                    {"scale", 4}});
  send_json(c, 200, list);
}

void get_latent_upscale_modes(Ctx& c) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& name : hires_upscalers(c, true)) list.push_back({{"name", name}});
  send_json(c, 200, list);
}

void get_schedulers(Ctx& c) {
  send_json(c, 200,
            a1111_scheduler_list(c.app.generator ? c.app.generator->schedulers()
                                                 : std::vector<std::string>{}));
}

// The settings A1111 tools read to show and pick the checkpoint and output format. Values are
// what this server does; none of them is a per-user preference.
nlohmann::json current_options(const Ctx& c) {
  const A1111Checkpoint model =
      c.app.generator ? a1111_checkpoint(*c.app.generator) : A1111Checkpoint{};
  const auto or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
  };
  return {{"sd_model_checkpoint", or_null(model.title)},
          {"sd_checkpoint_hash", or_null(model.sha256)},
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
  const A1111Checkpoint model =
      c.app.generator ? a1111_checkpoint(*c.app.generator) : A1111Checkpoint{};
  for (const auto& [key, value] : body.items()) {
    if (key == "sd_model_checkpoint" && value.is_string() &&
        names_checkpoint(model, value.get<std::string>()))
      continue;
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

void check_a1111_request(const Ctx& c, const nlohmann::json& b, const GenerationParams& p) {
  check_a1111_fields(b, p);
  check_override_settings(b, current_options(c),
                          c.app.generator ? a1111_checkpoint(*c.app.generator) : A1111Checkpoint{});
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
  r.add("GET", "/sdapi/v1/upscalers", Style::kA1111, get_upscalers);
  r.add("GET", "/sdapi/v1/latent-upscale-modes", Style::kA1111, get_latent_upscale_modes);
  r.add("POST", "/sdapi/v1/options", Style::kA1111, post_options);
}

}  // namespace pixforge::service::http
