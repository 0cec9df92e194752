// The variation-seed and hires-fix fields of a job's stored parameters (the sealed params
// JSON): written at submit, read back by the job runner, absent for jobs without them.
#pragma once

#include <nlohmann/json.hpp>

#include "pixforge/service/generator.h"

namespace pixforge::service {

// `base` with the fields of `p` added.
nlohmann::json with_variation_hires(const GenerationParams& p, nlohmann::json base);
void read_variation_hires_json(const nlohmann::json& j, GenerationParams& p);

}  // namespace pixforge::service
