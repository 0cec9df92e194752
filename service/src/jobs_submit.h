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

// Blocks until the job ends (or `timeout_ms`); returns the final row.
JobRow await_job(Service::State& app, const std::string& job_id, int timeout_ms);

// Output ids of a job, in creation order.
std::vector<std::string> job_outputs(Service::State& app, const JobRow& job);
// Decrypted PNG bytes of one output blob (ownership already checked).
std::string output_png(Service::State& app, const BlobRow& blob);
// Analytics are optional: skipped for requests with DNT: 1 or Sec-GPC: 1 (P12).
bool analytics_allowed(const httplib::Request& req);

}  // namespace pixforge::service::http
