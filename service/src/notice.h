// The processing notice as a page, rendered from the live configuration (the same values that
// GET /api/v1/privacy returns and the sweeper enforces).
#pragma once

#include <string>

#include "pixforge/service/config.h"

namespace pixforge::service {

std::string render_notice_html(const ServiceConfig& config);
std::string html_escape(const std::string& text);

}  // namespace pixforge::service
