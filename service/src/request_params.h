// The request-body parsers of the three generation APIs, declared here so that the fuzz target
// fuzz/fuzz_service_json.cpp reaches them without HTTP. Each checks JSON types and ranges
// against the limits and throws ApiError naming the field; none of them looks at consent,
// quota or the loaded model (validate_params and submit_job do that afterwards).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "pixforge/service/config.h"
#include "pixforge/service/generator.h"

namespace pixforge::service::http {

// POST /api/v1/generate (routes_jobs.cpp).
GenerationParams native_params(const nlohmann::json& body, const Limits& limits);
// POST /sdapi/v1/txt2img and /sdapi/v1/img2img (routes_a1111.cpp).
GenerationParams a1111_params(const nlohmann::json& body, const Limits& limits);
// POST /v1/images/generations (routes_openai.cpp); sets `response_format` ("" when absent).
GenerationParams openai_generation_params(const nlohmann::json& body, const Limits& limits,
                                          std::string& response_format);

}  // namespace pixforge::service::http
