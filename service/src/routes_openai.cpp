// OpenAI-compatible images API (F13): POST /v1/images/generations and /v1/images/edits,
// usable by the official `openai` clients with an API key as bearer token; errors in OpenAI's
// {"error":{message,type,param,code}} shape.
#include <ctime>

#include "http.h"
#include "identity.h"
#include "job_runner.h"
#include "jobs_submit.h"
#include "uploads.h"

namespace pixforge::service::http {
namespace {

constexpr int kSyncTimeoutMs = 600'000;

void parse_size(const std::string& size, GenerationParams& p) {
  if (size.empty() || size == "auto") return;
  const auto x = size.find('x');
  try {
    if (x == std::string::npos) throw std::invalid_argument("size");
    p.width = std::stoi(size.substr(0, x));
    p.height = std::stoi(size.substr(x + 1));
  } catch (const std::exception&) {
    throw bad_request("size", "must be WIDTHxHEIGHT, e.g. 512x512");
  }
}

void check_format(const std::string& response_format, const std::string& output_format) {
  if (!response_format.empty() && response_format != "url" && response_format != "b64_json")
    throw bad_request("response_format", "must be 'url' or 'b64_json'");
  if (!output_format.empty() && output_format != "png")
    throw bad_request("output_format", "only 'png' is supported");
}

void respond(Ctx& c, const std::string& job_id, const std::string& response_format) {
  const JobRow job = await_job(c.app, job_id, kSyncTimeoutMs);
  if (job.state != "succeeded")
    throw ApiError(job.state == "cancelled" ? 409 : 500, "generation_" + job.state,
                   "the generation " + job.state);
  nlohmann::json data = nlohmann::json::array();
  for (const auto& id : job_outputs(c.app, job)) {
    if (response_format == "b64_json") {
      const auto blob = c.app.store->find_blob(id);
      data.push_back({{"b64_json", base64(output_png(c.app, *blob))}});
    } else {
      data.push_back({{"url", "/api/v1/images/" + id}});
    }
  }
  c.app.store->mark_returned(job.id, c.app.now());
  send_json(c, 200, {{"created", c.app.now() / 1000}, {"data", data}, {"output_format", "png"}});
}

void post_generations(Ctx& c) {
  check_can_generate(c);
  const auto b = body_json(c);
  const Limits& l = c.app.config.limits;
  GenerationParams p;
  p.prompt = str_field(b, "prompt", true, static_cast<std::size_t>(l.max_prompt_chars));
  p.batch = static_cast<int>(int_field(b, "n", 1, 1, l.max_batch));
  parse_size(str_field(b, "size", false, 32), p);
  const std::string rf = str_field(b, "response_format", false, 16);
  check_format(rf, str_field(b, "output_format", false, 16));
  // "model", "quality", "style" and "user" are accepted and not stored: one local model serves.
  p.sampler = "euler";
  validate_params(c, p);
  respond(c, submit_job(c, std::move(p), "openai"), rf.empty() ? "url" : rf);
}

std::string form_value(const httplib::Request& req, const char* name) {
  return req.has_file(name) ? req.get_file_value(name).content : std::string();
}

void post_edits(Ctx& c) {
  check_can_generate(c);
  if (!c.req.is_multipart_form_data())
    throw ApiError(415, "unsupported_media_type", "request must be multipart/form-data");
  const Limits& l = c.app.config.limits;
  GenerationParams p;
  p.prompt = form_value(c.req, "prompt");
  if (p.prompt.empty()) throw bad_request("prompt", "is required");
  const char* image_field = c.req.has_file("image[]") ? "image[]" : "image";
  if (!c.req.has_file(image_field)) throw bad_request("image", "is required");
  p.init_image = decode_upload(c.req.get_file_value(image_field).content, l, "image");
  if (c.req.has_file("mask")) p.mask = decode_upload(form_value(c.req, "mask"), l, "mask");
  const std::string n = form_value(c.req, "n");
  try {
    if (!n.empty()) p.batch = std::stoi(n);
  } catch (const std::exception&) {
    throw bad_request("n", "must be an integer");
  }
  p.width = p.init_image->width / 8 * 8;
  p.height = p.init_image->height / 8 * 8;
  parse_size(form_value(c.req, "size"), p);
  const std::string rf = form_value(c.req, "response_format");
  check_format(rf, form_value(c.req, "output_format"));
  p.sampler = "euler";
  validate_params(c, p);
  respond(c, submit_job(c, std::move(p), "openai"), rf.empty() ? "url" : rf);
}

}  // namespace

void add_openai_routes(Router& r) {
  r.add("POST", "/v1/images/generations", Style::kOpenAI, post_generations);
  r.add("POST", "/v1/images/edits", Style::kOpenAI, post_edits);
}

}  // namespace pixforge::service::http
