// AUTOMATIC1111-compatible API (F13) for the many tools that speak it: txt2img, img2img,
// progress, sd-models, samplers.
#include "http.h"
#include "identity.h"
#include "job_runner.h"
#include "jobs_submit.h"
#include "uploads.h"

namespace pixforge::service::http {
namespace {

constexpr int kSyncTimeoutMs = 600'000;

GenerationParams a1111_params(const nlohmann::json& b, const Limits& l) {
  GenerationParams p = common_json_params(b, l);
  p.sampler = str_field(b, "sampler_name", false, 64);
  if (p.sampler.empty()) p.sampler = str_field(b, "sampler_index", false, 64);
  if (p.sampler.empty()) p.sampler = "euler";
  p.batch = static_cast<int>(int_field(b, "batch_size", 1, 1, l.max_batch));
  if (int_field(b, "n_iter", 1, 1, 1) != 1) throw bad_request("n_iter", "must be 1");
  p.strength = num_field(b, "denoising_strength", 0.75, 0.01, 1.0);
  return p;
}

void respond(Ctx& c, const std::string& job_id, const GenerationParams& p) {
  const JobRow job = await_job(c.app, job_id, kSyncTimeoutMs);
  if (job.state != "succeeded")
    throw ApiError(job.state == "cancelled" ? 409 : 500, "generation_" + job.state,
                   "the generation " + job.state);
  nlohmann::json images = nlohmann::json::array();
  for (const auto& id : job_outputs(c.app, job))
    images.push_back(base64(output_png(c.app, *c.app.store->find_blob(id))));
  c.app.store->mark_returned(job.id, c.app.now());
  // The prompt is echoed only to its author, in this response; it is not re-stored.
  const nlohmann::json params = {{"prompt", p.prompt},   {"negative_prompt", p.negative_prompt},
                                 {"width", p.width},     {"height", p.height},
                                 {"steps", p.steps},     {"cfg_scale", p.cfg_scale},
                                 {"seed", p.seed},       {"sampler_name", p.sampler},
                                 {"batch_size", p.batch}};
  nlohmann::json info = params;
  info["job_id"] = job.id;
  info["sd_model_name"] = c.app.generator ? c.app.generator->model_name() : "";
  send_json(c, 200, {{"images", images}, {"parameters", params}, {"info", info.dump()}});
}

void post_txt2img(Ctx& c) {
  check_can_generate(c);
  GenerationParams p = a1111_params(body_json(c), c.app.config.limits);
  validate_params(c, p);
  const GenerationParams echo = p;
  respond(c, submit_job(c, std::move(p), "a1111"), echo);
}

void post_img2img(Ctx& c) {
  check_can_generate(c);
  const auto b = body_json(c);
  GenerationParams p = a1111_params(b, c.app.config.limits);
  auto it = b.find("init_images");
  if (it == b.end() || !it->is_array() || it->empty() || !(*it)[0].is_string())
    throw bad_request("init_images", "must be an array with one base64 image");
  p.init_image = decode_upload(base64_decode((*it)[0].get<std::string>(), "init_images"),
                               c.app.config.limits, "init_images");
  if (b.contains("mask") && b["mask"].is_string())
    p.mask = decode_upload_field(b, "mask", c.app.config.limits);
  validate_params(c, p);
  GenerationParams echo = p;
  echo.init_image.reset();
  echo.mask.reset();
  respond(c, submit_job(c, std::move(p), "a1111"), echo);
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
  nlohmann::json list = nlohmann::json::array();
  if (c.app.generator)
    for (const auto& s : c.app.generator->samplers())
      list.push_back({{"name", s},
                      {"aliases", nlohmann::json::array({s})},
                      {"options", nlohmann::json::object()}});
  send_json(c, 200, list);
}

}  // namespace

void add_a1111_routes(Router& r) {
  r.add("POST", "/sdapi/v1/txt2img", Style::kA1111, post_txt2img);
  r.add("POST", "/sdapi/v1/img2img", Style::kA1111, post_img2img);
  r.add("GET", "/sdapi/v1/progress", Style::kA1111, get_progress);
  r.add("GET", "/sdapi/v1/sd-models", Style::kA1111, get_models);
  r.add("GET", "/sdapi/v1/samplers", Style::kA1111, get_samplers);
}

}  // namespace pixforge::service::http
