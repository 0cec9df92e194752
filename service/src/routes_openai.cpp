// OpenAI-compatible images API (F13): POST /v1/images/generations and /v1/images/edits,
// usable by the official `openai` clients with an API key as bearer token; errors in OpenAI's
// {"error":{message,type,param,code}} shape.
#include <algorithm>
#include <cctype>
#include <ctime>

#include "http.h"
#include "identity.h"
#include "job_runner.h"
#include "jobs_submit.h"
#include "request_params.h"
#include "uploads.h"

namespace pixforge::service::http {
namespace {

constexpr int kSyncTimeoutMs = 600'000;

// Steps for OpenAI's `quality` (dall-e-3: standard | hd; gpt-image-1: low | medium | high |
// auto): more steps is what "higher quality" means for a diffusion sampler. A `steps` field
// in the body (the openai clients pass unknown fields through) overrides it.
constexpr int kStepsLow = 10;
constexpr int kStepsStandard = 20;
constexpr int kStepsHigh = 40;

int quality_steps(const std::string& quality) {
  if (quality.empty() || quality == "auto" || quality == "standard" || quality == "medium")
    return kStepsStandard;
  if (quality == "hd" || quality == "high") return kStepsHigh;
  if (quality == "low") return kStepsLow;
  throw bad_request("quality",
                    "must be one of 'standard', 'hd', 'low', 'medium', 'high' or 'auto'");
}

ApiError size_error(const Limits& l) {
  return bad_request("size",
                     "must be WIDTHxHEIGHT (e.g. 512x512) with sides multiples of 64 from "
                     "64 to " +
                         std::to_string(std::min(l.max_width, l.max_height)) + ", or 'auto'");
}

int parse_side(const std::string& text, int max, const Limits& l) {
  if (text.empty() || text.size() > 5) throw size_error(l);
  int v = 0;
  for (char ch : text) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) throw size_error(l);
    v = v * 10 + (ch - '0');
  }
  // The UNet halves the latent three times: the engine runs multiples of 64 only.
  if (v < 64 || v > max || v % 64 != 0) throw size_error(l);
  return v;
}

// Checked here, not by the shared validation, so that a bad size is reported as `size`, the
// field the client sent, rather than as width or height.
void parse_size(const std::string& size, GenerationParams& p, const Limits& l) {
  if (size.empty() || size == "auto") return;
  const auto x = size.find('x');
  if (x == std::string::npos) throw size_error(l);
  p.width = parse_side(size.substr(0, x), l.max_width, l);
  p.height = parse_side(size.substr(x + 1), l.max_height, l);
}

void check_format(const std::string& response_format, const std::string& output_format) {
  if (!response_format.empty() && response_format != "url" && response_format != "b64_json")
    throw bad_request("response_format", "must be 'url' or 'b64_json'");
  if (!output_format.empty() && output_format != "png")
    throw bad_request("output_format", "only 'png' is supported");
}

}  // namespace

GenerationParams openai_generation_params(const nlohmann::json& b, const Limits& l,
                                          std::string& response_format) {
  GenerationParams p;
  p.prompt = str_field(b, "prompt", true, static_cast<std::size_t>(l.max_prompt_chars));
  p.batch = static_cast<int>(int_field(b, "n", 1, 1, l.max_batch));
  parse_size(str_field(b, "size", false, 32), p, l);
  p.steps = static_cast<int>(
      int_field(b, "steps", quality_steps(str_field(b, "quality", false, 16)), 1, l.max_steps));
  response_format = str_field(b, "response_format", false, 16);
  check_format(response_format, str_field(b, "output_format", false, 16));
  // "model", "style" and "user" are accepted and not stored: one local model serves.
  p.sampler = "euler";
  return p;
}

namespace {

// The origin a client reaches this server at, for absolute image URLs (OpenAI returns absolute
// URLs and tools download them as given): the configured public URL, else this request's Host
// header. A Host that is not a plain host[:port] yields a relative URL rather than an echo.
std::string public_origin(const Ctx& c) {
  const std::string& configured = c.app.config.server.public_url;
  if (!configured.empty()) return configured;
  const std::string host = c.req.get_header_value("Host");
  if (host.empty() || host.size() > 255) return "";
  for (unsigned char ch : host)
    if (!std::isalnum(ch) && ch != '.' && ch != '-' && ch != ':' && ch != '[' && ch != ']')
      return "";
  return (c.app.tls ? "https://" : "http://") + host;
}

void respond(Ctx& c, const std::string& job_id, const std::string& response_format) {
  const JobRow job = await_job(c.app, job_id, kSyncTimeoutMs);
  if (job.state != "succeeded")
    throw ApiError(job.state == "cancelled" ? 409 : 500, "generation_" + job.state,
                   "the generation " + job.state);
  const JobOutputs outputs = c.app.store->job_outputs(job.id, job.owner_id);
  nlohmann::json data = nlohmann::json::array();
  for (const auto& id : outputs.image_ids) {
    if (response_format == "b64_json") {
      const auto blob = c.app.store->find_blob(id);
      data.push_back({{"b64_json", base64(output_png(c.app, *blob))}});
    } else {
      // Fetched with the same bearer token (or session) that asked: ownership is checked.
      data.push_back({{"url", public_origin(c) + "/api/v1/images/" + id}});
    }
  }
  c.app.store->mark_returned(job.id, c.app.now());
  send_json(c, 200,
            {{"created", c.app.now() / 1000},
             {"data", data},
             {"output_format", "png"},
             {"moderation", moderation_json(job, outputs)}});  // P8 rewrite, P9 withheld images
}

void post_generations(Ctx& c) {
  check_can_generate(c);
  std::string rf;
  GenerationParams p = openai_generation_params(body_json(c), c.app.config.limits, rf);
  validate_params(c, p);
  respond(c, submit_job(c, std::move(p), "openai"), rf.empty() ? "url" : rf);
}

bool has_transparency(const Image& image) {
  if (image.channels != 4) return false;
  for (std::size_t i = 3; i < image.pixels.size(); i += 4)
    if (image.pixels[i] != 255) return true;
  return false;
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
  // OpenAI: the mask's transparent pixels are edited; without a mask, the image's own
  // transparent pixels are (dall-e-2's rule), and an opaque image is edited as a whole.
  if (c.req.has_file("mask"))
    p.mask =
        mask_from_alpha(decode_upload(form_value(c.req, "mask"), l, "mask"), *p.init_image, "mask");
  else if (has_transparency(*p.init_image))
    p.mask = mask_from_alpha(*p.init_image, *p.init_image, "image");
  // The masked area is replaced, not varied: it is sampled from pure noise (ComfyUI's denoise
  // 1.0 with a latent noise mask) while the kept area is re-noised from the input at every step.
  if (p.mask) p.strength = 1.0;
  const std::string n = form_value(c.req, "n");
  try {
    if (!n.empty()) p.batch = std::stoi(n);
  } catch (const std::exception&) {
    throw bad_request("n", "must be an integer");
  }
  // Without a size the image's own, rounded down to what the engine runs.
  p.width = std::max(64, p.init_image->width / 64 * 64);
  p.height = std::max(64, p.init_image->height / 64 * 64);
  parse_size(form_value(c.req, "size"), p, l);
  const std::string steps = form_value(c.req, "steps");
  p.steps = quality_steps(form_value(c.req, "quality"));
  if (!steps.empty()) {
    try {
      std::size_t used = 0;
      p.steps = std::stoi(steps, &used);
      if (used != steps.size()) throw std::invalid_argument("steps");
    } catch (const std::exception&) {
      throw bad_request("steps", "must be an integer");
    }
  }
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
