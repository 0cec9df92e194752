// IP minimisation (P4): addresses are truncated before anything stores or counts them.
#pragma once

#include <string>

namespace pixforge::service {

// IPv4 → a.b.c.0 (/24); IPv6 → first 48 bits then "::" (/48); IPv4-mapped IPv6 as IPv4.
// Anything unparsable becomes "invalid" (never the raw string).
std::string truncate_ip(const std::string& address);

}  // namespace pixforge::service
