// Who is asking: an API key (Authorization: Bearer), a session cookie, or nobody; and the
// checks every handler builds on (CSRF, consent, account, role, scope).
#pragma once

#include "http.h"

namespace pixforge::service::http {

constexpr const char* kSessionCookie = "pf_session";
constexpr const char* kNoticeUrl = "/privacy";

// Resolves the caller; an invalid or revoked bearer key is a 401 (never silently anonymous).
Identity resolve_identity(Service::State& app, const httplib::Request& req);

// Cookie sessions must echo their CSRF token in X-CSRF-Token on unsafe methods. Requests with
// no session yet must be same-origin (Origin header, when sent, must match Host).
void require_csrf(const Ctx& c);

// Creates a session for `owner_id` and sets the cookie (Secure under TLS, HttpOnly,
// SameSite=Strict). Returns the session's CSRF token.
std::string start_session(Ctx& c, const std::string& owner_id);
// Creates an anonymous owner (with its data key) and a session for it.
void start_anonymous_session(Ctx& c);
void end_session(Ctx& c);

// P1: the caller has agreed to the current notice (for keys: the key's consent version is the
// current one). Refuses with 403 naming the notice URL; 403 processing_restricted when the
// owner restricted processing.
void require_consent(const Ctx& c);
bool has_current_consent(Service::State& app, const std::string& owner_id);
void require_scope(const Ctx& c, const std::string& scope);
void require_account(const Ctx& c);
void require_role(const Ctx& c, const std::string& role);  // admin passes every role check

}  // namespace pixforge::service::http
