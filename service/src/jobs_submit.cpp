#include "jobs_submit.h"

#include <algorithm>
#include <random>

#include "a1111_inpaint.h"
#include "a1111_names.h"
#include "identity.h"
#include "job_runner.h"
#include "owner_data.h"
#include "png_io.h"
#include "prompt_safety.h"
#include "variation_hires_json.h"

namespace pixforge::service::http {

GenerationParams common_json_params(const nlohmann::json& b, const Limits& l) {
  GenerationParams p;
  p.prompt = str_field(b, "prompt", true, static_cast<std::size_t>(l.max_prompt_chars));
  p.negative_prompt =
      str_field(b, "negative_prompt", false, static_cast<std::size_t>(l.max_prompt_chars));
  p.width = static_cast<int>(int_field(b, "width", 512, 64, l.max_width));
  p.height = static_cast<int>(int_field(b, "height", 512, 64, l.max_height));
  p.steps = static_cast<int>(int_field(b, "steps", 20, 1, l.max_steps));
  p.cfg_scale = num_field(b, "cfg_scale", 7.0, 0, 30);
  p.seed = int_field(b, "seed", -1, -1, 0x7fffffffffffLL);
  return p;
}

void check_can_generate(const Ctx& c) {
  require_consent(c);
  if (c.who.via_key) require_scope(c, "generate");
}

void validate_params(const Ctx& c, GenerationParams& p) {
  const Limits& l = c.app.config.limits;
  if (p.prompt.empty()) throw bad_request("prompt", "is required");
  if (p.prompt.size() > static_cast<std::size_t>(l.max_prompt_chars))
    throw bad_request("prompt", "must be at most " + std::to_string(l.max_prompt_chars) + " bytes");
  auto side = [](const char* name, int v, int max) {
    if (v < 64 || v > max || v % 8 != 0)
      throw bad_request(name, "must be a multiple of 8 between 64 and " + std::to_string(max));
  };
  side("width", p.width, l.max_width);
  side("height", p.height, l.max_height);
  if (p.steps < 1 || p.steps > l.max_steps)
    throw bad_request("steps", "must be between 1 and " + std::to_string(l.max_steps));
  if (p.batch < 1 || p.batch > l.max_batch)
    throw bad_request("n", "must be between 1 and " + std::to_string(l.max_batch));
  if (!(p.cfg_scale >= 0 && p.cfg_scale <= 30))
    throw bad_request("cfg_scale", "must be in [0, 30]");
  if (!(p.strength > 0 && p.strength <= 1)) throw bad_request("strength", "must be in (0, 1]");
  // A mask repaints part of the init image: it needs one, of its size (the engine's rule too).
  if (p.mask && (!p.init_image || p.mask->width != p.init_image->width ||
                 p.mask->height != p.init_image->height))
    throw bad_request("mask", "needs an init image of the same size");
  if (p.seed < 0) p.seed = static_cast<std::int64_t>(std::random_device{}() & 0x7fffffff);
  if (!c.app.generator)
    throw ApiError(503, "model_not_loaded",
                   "no generation pipeline available: no model is loaded on this server");
  const auto samplers = c.app.generator->samplers();
  if (std::find(samplers.begin(), samplers.end(), p.sampler) == samplers.end())
    throw bad_request("sampler", "must be one of: " + accepted_sampler_names(samplers));
  const auto schedulers = c.app.generator->schedulers();
  if (std::find(schedulers.begin(), schedulers.end(), p.scheduler) == schedulers.end())
    throw bad_request("scheduler", "must be one of: " + accepted_scheduler_names(schedulers));
  if (p.init_image && !c.app.generator->supports_img2img())
    throw ApiError(501, "img2img_unsupported", "the loaded model does not support img2img");
}

namespace {

void count_usage(Ctx& c, const GenerationParams& p, const std::string& kind) {
  if (!analytics_allowed(c.req)) return;
  const std::string day = utc_day(c.app.now());
  c.app.store->bump_counter(day, "generate." + kind, 1);
  c.app.store->bump_counter(day, "size." + std::to_string(p.width) + "x" + std::to_string(p.height),
                            1);
  c.app.store->bump_counter(day, "sampler." + p.sampler, 1);
}

// The decision log (P8): category, action, time, owner; never the prompt.
void log_safety(Ctx& c, const ScreenResult& r, const std::string& api, const std::string& job_id) {
  for (const auto& v : r.verdicts)
    c.app.store->add_safety_decision(
        {0, c.app.now(), c.who.owner_id, api, v.field, v.category, v.action, job_id});
}

// P8 between validation and the job row. Blocked: logged and refused with nothing stored.
ScreenResult screen_prompts(Ctx& c, GenerationParams& p, const std::string& api) {
  ScreenResult r = c.app.safety->screen(p);
  if (r.blocked) {
    log_safety(c, r, api, "");
    throw prompt_blocked_error(r);
  }
  if (r.rewritten)
    c.res.set_header("X-Pixforge-Prompt-Safety", "rewritten; category=" + r.category);
  return r;
}

}  // namespace

std::string submit_job(Ctx& c, GenerationParams p, const std::string& api) {
  const ScreenResult screened = screen_prompts(c, p, api);
  // Every image counts: an A1111 request makes batch_size x n_iter of them.
  if (!c.app.store->consume_quota(c.who.owner_id, utc_day(c.app.now()), p.batch * p.batch_count,
                                  c.app.config.limits.daily_quota_images))
    throw ApiError(429, "quota_exceeded",
                   "daily image quota (" + std::to_string(c.app.config.limits.daily_quota_images) +
                       ") used up; it resets at 00:00 UTC");
  const std::string kind = p.init_image ? "img2img" : "txt2img";
  const std::string id = random_token(16);
  const std::string& owner = c.who.owner_id;
  nlohmann::json params = {{"negative_prompt", p.negative_prompt},
                           {"width", p.width},
                           {"height", p.height},
                           {"steps", p.steps},
                           {"cfg_scale", p.cfg_scale},
                           {"seed", p.seed},
                           {"sampler", p.sampler},
                           {"scheduler", p.scheduler},
                           {"batch", p.batch},
                           {"batch_count", p.batch_count},
                           {"seed_per_image", p.seed_per_image},
                           {"strength", p.strength},
                           {"training_use", false}};
  if (p.inpaint) params["inpaint"] = inpaint_json(*p.inpaint);
  const std::int64_t now = c.app.now();
  std::vector<BlobRow> uploads;
  for (const auto* img : {p.init_image ? &*p.init_image : nullptr, p.mask ? &*p.mask : nullptr}) {
    if (!img) continue;
    const std::string blob_id = random_token(16);
    const Bytes sealed = c.app.vault->seal_for(owner, encode_png(*img), blob_aad(blob_id));
    c.app.blobs->put(blob_id, sealed);
    uploads.push_back(
        {blob_id, owner, id, "upload", now, static_cast<std::int64_t>(sealed.size())});
  }
  JobRow job;
  job.id = id;
  job.owner_id = owner;
  job.kind = kind;
  job.state = "queued";
  // Variation and hires fields are sealed with the rest (hires prompts are personal data).
  job.params_sealed =
      c.app.vault->seal_for(owner, with_variation_hires(p, params).dump(), params_aad(id));
  job.prompt_sealed = c.app.vault->seal_for(owner, p.prompt, prompt_aad(id));
  job.api = api;
  job.created_ms = now;
  job.safety_action = screened.action;
  job.safety_category = screened.category;
  try {
    c.app.store->create_job(job, uploads);
  } catch (...) {
    for (const auto& u : uploads) c.app.blobs->remove(u.id);
    throw;
  }
  log_safety(c, screened, api, id);
  count_usage(c, p, kind);
  if (c.app.runner) c.app.runner->notify();
  return id;
}

JobRow await_job(Service::State& app, const std::string& job_id, int timeout_ms) {
  std::uint64_t seq = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    auto job = app.store->find_job(job_id);
    if (!job) throw not_found("job");
    if (job->state != "queued" && job->state != "running") {
      if (job->state == "succeeded") {
        const JobOutputs outputs = app.store->job_outputs(job->id, job->owner_id);
        if (outputs.image_ids.empty() && outputs.withheld > 0)
          throw ApiError(422, "output_withheld",
                         "every generated image was withheld by output moderation and is held "
                         "for review");
      }
      return *job;
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw ApiError(504, "generation_timeout", "the job did not finish in time; poll its status");
    seq = app.events.wait(job_id, seq, std::chrono::milliseconds(500)).first;
  }
}

nlohmann::json moderation_json(const JobRow& job, const JobOutputs& outputs) {
  nlohmann::json j = {{"prompt_rewritten", job.safety_action == "rewrite"}};
  if (!job.safety_category.empty()) j["safety_category"] = job.safety_category;
  j["withheld_images"] = outputs.withheld;
  if (outputs.withheld > 0 && outputs.image_ids.empty()) j["result"] = "withheld";
  return j;
}

std::string output_png(Service::State& app, const BlobRow& blob) {
  if (blob.kind == "flagged") throw not_found("image");
  const auto sealed = app.blobs->get(blob.id);
  if (!sealed) throw not_found("image");
  return app.vault->open_for(blob.owner_id, *sealed, blob_aad(blob.id));
}

std::string png_without_metadata(Service::State& app, const BlobRow& blob) {
  const auto sealed = app.blobs->get(blob.id);
  if (!sealed) throw not_found("image");
  const std::string png = app.vault->open_for(blob.owner_id, *sealed, blob_aad(blob.id));
  const Limits& l = app.config.limits;
  return encode_png(decode_png(png, static_cast<std::int64_t>(l.max_width) * l.max_height));
}

bool analytics_allowed(const httplib::Request& req) {
  return req.get_header_value("DNT") != "1" && req.get_header_value("Sec-GPC") != "1";
}

}  // namespace pixforge::service::http
