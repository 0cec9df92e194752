// Native generation API: submit, status, live events (SSE), cancel, images, gallery.
#include "a1111_names.h"
#include "http.h"
#include "identity.h"
#include "job_runner.h"
#include "jobs_submit.h"
#include "owner_data.h"
#include "request_params.h"
#include "uploads.h"

namespace pixforge::service::http {

GenerationParams native_params(const nlohmann::json& b, const Limits& l) {
  GenerationParams p = common_json_params(b, l);
  // Engine names (GET /api/v1/generation-options) or A1111's ("Euler a", "Karras").
  const SamplerChoice choice = resolve_native_sampler(str_field(b, "sampler", false, 64),
                                                      str_field(b, "scheduler", false, 64));
  p.sampler = choice.sampler;
  p.scheduler = choice.scheduler;
  p.batch = static_cast<int>(int_field(b, "n", 1, 1, l.max_batch));
  p.strength = num_field(b, "strength", 0.75, 0.01, 1.0);
  return p;
}

namespace {

constexpr const char* kId = "([A-Za-z0-9_-]{1,64})";

// Loads a job and checks that the caller owns it; another owner's id is a 404 (P6).
JobRow owned_job(const Ctx& c) {
  if (!c.who.exists()) throw not_found("job");
  auto job = c.app.store->find_job(c.req.matches[1]);
  if (!job || job->owner_id != c.who.owner_id) throw not_found("job");
  return *job;
}

nlohmann::json job_json(Ctx& c, const JobRow& job) {
  nlohmann::json j = {{"id", job.id},
                      {"kind", job.kind},
                      {"state", job.state},
                      {"created_ms", job.created_ms},
                      {"events_url", "/api/v1/jobs/" + job.id + "/events"}};
  if (job.state == "queued") j["position"] = c.app.store->queue_position(job.id);
  if (!job.error_code.empty()) j["error"] = job.error_code;
  const JobOutputs outputs = c.app.store->job_outputs(job.id, job.owner_id);
  if (job.state == "succeeded") {
    nlohmann::json images = nlohmann::json::array();
    for (const auto& id : outputs.image_ids)
      images.push_back({{"id", id}, {"url", "/api/v1/images/" + id}});
    j["images"] = images;
  }
  j["moderation"] = moderation_json(job, outputs);  // P8 rewrite, P9 withheld images
  return j;
}

void post_generate(Ctx& c) {
  check_can_generate(c);
  const auto body = body_json(c);
  GenerationParams p = native_params(body, c.app.config.limits);
  if (body.contains("init_image")) {
    p.init_image = decode_upload_field(body, "init_image", c.app.config.limits);
    if (body.contains("mask")) p.mask = decode_upload_field(body, "mask", c.app.config.limits);
  }
  validate_params(c, p);
  const std::string id = submit_job(c, std::move(p), "native");
  auto job = c.app.store->find_job(id);
  send_json(c, 202, job_json(c, *job));
}

void get_job(Ctx& c) {
  if (c.who.via_key) require_scope(c, "read");
  const JobRow job = owned_job(c);
  // Only the first fetch starts the prompt's retention clock: later polls need no write.
  if (job.state == "succeeded" && job.returned_ms == 0)
    c.app.store->mark_returned(job.id, c.app.now());
  send_json(c, 200, job_json(c, job));
}

void get_jobs(Ctx& c) {
  if (!c.who.exists()) throw ApiError(401, "not_signed_in", "no session");
  if (c.who.via_key) require_scope(c, "read");
  nlohmann::json list = nlohmann::json::array();
  for (const auto& job : c.app.store->jobs(c.who.owner_id)) list.push_back(job_json(c, job));
  send_json(c, 200, {{"jobs", list}});
}

void post_cancel(Ctx& c) {
  const JobRow job = owned_job(c);
  if (!c.app.store->request_cancel(job.id))
    throw ApiError(409, "job_finished", "the job already finished");
  c.app.runner->cancel_running(job.id);
  send_json(c, 202, {{"id", job.id}, {"cancel_requested", true}});
}

// Server-Sent Events: queue position while queued, then step progress and previews, then a
// final "done" event; the stream ends with the job.
void get_events(Ctx& c) {
  if (c.who.via_key) require_scope(c, "read");
  const JobRow job = owned_job(c);
  Service::State* app = &c.app;
  auto seq = std::make_shared<std::uint64_t>(0);
  auto last_position = std::make_shared<int>(-2);
  const std::string id = job.id;
  c.res.set_header("X-Accel-Buffering", "no");
  c.res.set_chunked_content_provider(
      "text/event-stream", [app, id, seq, last_position](std::size_t, httplib::DataSink& sink) {
        auto send = [&](const nlohmann::json& ev) {
          const std::string frame = "data: " + ev.dump() + "\n\n";
          return sink.write(frame.data(), frame.size());
        };
        auto row = app->store->find_job(id);
        if (!row) {
          send({{"type", "done"}, {"state", "deleted"}});
          sink.done();
          return true;
        }
        if (row->state != "queued" && row->state != "running") {
          send({{"type", "done"}, {"state", row->state}, {"error", row->error_code}});
          sink.done();
          return true;
        }
        if (row->state == "queued") {
          const int pos = app->store->queue_position(id);
          if (pos != *last_position && !send({{"type", "queued"}, {"position", pos}})) return false;
          *last_position = pos;
        }
        auto [next, ev] = app->events.wait(id, *seq, std::chrono::milliseconds(500));
        if (!ev.is_null()) {
          *seq = next;
          if (ev.value("type", "") != "done" && !send(ev)) return false;
        } else if (!sink.write(": keep-alive\n\n", 14)) {
          return false;
        }
        return true;
      });
}

void get_image(Ctx& c) {
  if (c.who.via_key) require_scope(c, "read");
  if (!c.who.exists()) throw not_found("image");
  const auto blob = c.app.store->find_blob(c.req.matches[1]);
  if (!blob || blob->owner_id != c.who.owner_id) throw not_found("image");
  const std::string png = output_png(c.app, *blob);
  if (!blob->job_id.empty()) c.app.store->mark_returned(blob->job_id, c.app.now());
  c.res.status = 200;
  c.res.set_header("Content-Disposition", "inline; filename=\"" + blob->id + ".png\"");
  c.res.set_content(png, "image/png");
}

void get_gallery(Ctx& c) {
  if (!c.who.exists()) throw ApiError(401, "not_signed_in", "no session");
  if (c.who.via_key) require_scope(c, "read");
  nlohmann::json list = nlohmann::json::array();
  for (const auto& b : c.app.store->blobs(c.who.owner_id))
    if (b.kind == "output")
      list.push_back({{"id", b.id},
                      {"job_id", b.job_id},
                      {"created_ms", b.created_ms},
                      {"url", "/api/v1/images/" + b.id}});
  send_json(c, 200, {{"images", list}});
}

}  // namespace

void add_job_routes(Router& r) {
  const std::string id = kId;
  r.add("POST", "/api/v1/generate", Style::kNative, post_generate);
  r.add("GET", "/api/v1/jobs", Style::kNative, get_jobs);
  r.add("GET", "/api/v1/jobs/" + id, Style::kNative, get_job);
  r.add("POST", "/api/v1/jobs/" + id + "/cancel", Style::kNative, post_cancel);
  r.add("GET", "/api/v1/jobs/" + id + "/events", Style::kNative, get_events);
  r.add("GET", "/api/v1/images/" + id, Style::kNative, get_image);
  r.add("GET", "/api/v1/gallery", Style::kNative, get_gallery);
}

}  // namespace pixforge::service::http
