// Submitting and awaiting jobs, shared by the native, OpenAI and A1111 routes: one place
// where consent, validation, quotas, encryption and analytics happen in the right order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http.h"

namespace pixforge::service::http {

// The fields the native and A1111 JSON bodies share (prompt, negative_prompt, width, height,
// steps, cfg_scale, seed), each checked against the configured limits.
GenerationParams common_json_params(const nlohmann::json& body, const Limits& limits);

// P1 order: consent and scope are checked before any input is looked at; then parameters are
// validated; then the generator must exist (503 otherwise); then the quota is charged; only
// then is anything stored (sealed).
void check_can_generate(const Ctx& c);
void validate_params(const Ctx& c, GenerationParams& p);
std::string submit_job(Ctx& c, GenerationParams params, const std::string& api);

// P8 runs first in submit_job: a blocked prompt is refused (400 prompt_blocked) before the
// quota is charged or anything is stored; a rewritten one is generated from the rewrite and
// the response carries X-Pixforge-Prompt-Safety: rewritten; category=...

// Blocks until the job ends (or `timeout_ms`); returns the final row. A job whose every image
// was withheld by output moderation (P9) is a 422 output_withheld for these synchronous APIs.
JobRow await_job(Service::State& app, const std::string& job_id, int timeout_ms);

// What prompt safety (P8) and output moderation (P9) did to a job, for its JSON:
// {"prompt_rewritten", "safety_category"?, "withheld_images", "result"?: "withheld"}, from the
// job's outputs as Store::job_outputs reads them (an answer reads them once for its images too).
nlohmann::json moderation_json(const JobRow& job, const JobOutputs& outputs);

// Decrypted PNG bytes of one output blob (ownership already checked); an image withheld by
// moderation is a 404 to its owner (P9).
std::string output_png(Service::State& app, const BlobRow& blob);
// The decrypted image of a blob re-encoded with no metadata chunks at all, for eyes other than
// its owner's (moderators, the public showcase): a `parameters` chunk would carry the prompt.
std::string png_without_metadata(Service::State& app, const BlobRow& blob);
// Analytics are optional: skipped for requests with DNT: 1 or Sec-GPC: 1 (P12).
bool analytics_allowed(const httplib::Request& req);

}  // namespace pixforge::service::http
