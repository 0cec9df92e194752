// The retention report behind `pixforge privacy audit` (implemented in src/retention.cpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "pixforge/service/config.h"
#include "pixforge/service/store.h"

namespace pixforge::service {

// One row per data category: {category, limit_hours, oldest_age_hours|null, within_policy}.
nlohmann::json retention_audit(Store& store, const ServiceConfig& config, std::int64_t now_ms);

}  // namespace pixforge::service
