#include "identity.h"

#include <sstream>
#include <string_view>

namespace pixforge::service::http {
namespace {

// Scans the header in place (no stream, no copy per part): it runs on every request.
std::string cookie_value(const httplib::Request& req, std::string_view name) {
  const std::string& header = req.get_header_value("Cookie");
  std::string_view rest(header);
  while (!rest.empty()) {
    const auto end = rest.find(';');
    std::string_view part = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    const auto start = part.find_first_not_of(' ');
    if (start == std::string_view::npos) continue;
    part.remove_prefix(start);
    const auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return std::string(part.substr(eq + 1));
  }
  return {};
}

void fill_owner(Service::State& app, Identity& who) {
  const auto owner = app.store->find_owner(who.owner_id);
  if (!owner) throw OwnerGone();
  who.kind = owner->kind;
  who.restricted = owner->restricted;
  if (owner->kind == "account") {
    if (auto acct = app.store->find_account(who.owner_id)) who.role = acct->role;
  }
}

Identity from_key(Service::State& app, const std::string& token) {
  const auto key = app.store->find_api_key(token_hash(app.token_key, token));
  if (!key || key->revoked_ms != 0)
    throw ApiError(401, "invalid_api_key", "the API key is unknown or revoked");
  Identity who;
  who.owner_id = key->owner_id;
  who.via_key = true;
  who.key_id = key->id;
  who.scopes = key->scopes;
  who.key_notice_version = key->notice_version;
  fill_owner(app, who);
  return who;
}

std::string origin_host(const std::string& origin) {
  const auto scheme = origin.find("://");
  return scheme == std::string::npos ? origin : origin.substr(scheme + 3);
}

}  // namespace

Identity resolve_identity(Service::State& app, const httplib::Request& req) {
  const std::string auth = req.get_header_value("Authorization");
  if (!auth.empty()) {
    if (auth.rfind("Bearer ", 0) != 0)
      throw ApiError(401, "invalid_authorization", "Authorization must be 'Bearer <api key>'");
    return from_key(app, auth.substr(7));
  }
  // A1111 tools and some clients send keys in a header of their own.
  if (const std::string k = req.get_header_value("X-API-Key"); !k.empty()) return from_key(app, k);
  const std::string token = cookie_value(req, kSessionCookie);
  if (token.empty()) return {};
  const std::string hash = token_hash(app.token_key, token);
  // The session, its owner and the owner's role in one read (one query on SQLite).
  const auto found = app.store->find_session_owner(hash);
  if (!found) return {};  // stale cookie: treated as no session
  const SessionRow* session = &found->session;
  if (!found->owner) throw OwnerGone();
  Identity who;
  who.owner_id = session->owner_id;
  who.session_hash = hash;
  who.csrf_token = session->csrf_token;
  who.scopes = "generate read delete";
  who.kind = found->owner->kind;
  who.restricted = found->owner->restricted;
  who.role = found->role;
  // Activity keeps an account's content alive (P3 inactivity deletion); updated at most
  // once a minute so reads stay cheap.
  const std::int64_t now = app.now();
  if (now - session->last_seen_ms > 60'000) {
    app.store->touch_session(hash, now);
    app.store->touch_owner(who.owner_id, now);
  }
  return who;
}

void require_csrf(const Ctx& c) {
  if (c.who.via_key) return;  // bearer keys are not sent automatically by browsers
  if (c.who.exists()) {
    if (!equal_ct(c.req.get_header_value("X-CSRF-Token"), c.who.csrf_token))
      throw ApiError(403, "csrf_failed",
                     "header 'X-CSRF-Token' must carry this session's token (GET /api/v1/session)");
    return;
  }
  const std::string origin = c.req.get_header_value("Origin");
  if (!origin.empty() && origin != "null" && origin_host(origin) != c.req.get_header_value("Host"))
    throw ApiError(403, "cross_origin", "cross-origin requests are not accepted");
}

std::string start_session(Ctx& c, const std::string& owner_id) {
  const std::string token = random_token(32);
  const std::string csrf = random_token(32);
  const std::int64_t now = c.app.now();
  c.app.store->create_session({token_hash(c.app.token_key, token), owner_id, csrf, now, now});
  std::string cookie =
      std::string(kSessionCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
      std::to_string(static_cast<std::int64_t>(c.app.config.retention.session_idle_days * 86400));
  if (c.app.tls) cookie += "; Secure";
  c.res.set_header("Set-Cookie", cookie);
  c.who.owner_id = owner_id;
  c.who.session_hash = token_hash(c.app.token_key, token);
  c.who.csrf_token = csrf;
  c.who.scopes = "generate read delete";
  fill_owner(c.app, c.who);
  return csrf;
}

void start_anonymous_session(Ctx& c) {
  const std::string id = random_token(16);
  const std::int64_t now = c.app.now();
  c.app.store->create_owner({id, "session", c.app.vault->new_wrapped_key(id), now, now});
  start_session(c, id);
}

void end_session(Ctx& c) {
  if (!c.who.session_hash.empty()) c.app.store->delete_session(c.who.session_hash);
  c.res.set_header("Set-Cookie", std::string(kSessionCookie) +
                                     "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" +
                                     (c.app.tls ? "; Secure" : ""));
}

bool has_current_consent(Service::State& app, const std::string& owner_id) {
  const int version = app.config.notice.version;
  for (const auto& row : app.store->consents(owner_id))
    if (row.scope == "web" && row.notice_version == version && row.withdrawn_ms == 0) return true;
  return false;
}

void require_consent(const Ctx& c) {
  const std::string notice = std::string(" (notice: ") + kNoticeUrl + ", version " +
                             std::to_string(c.app.config.notice.version) + ")";
  if (!c.who.exists())
    throw ApiError(403, "consent_required",
                   "agree to the current processing notice first: POST /api/v1/consent" + notice);
  if (c.who.restricted)
    throw ApiError(403, "processing_restricted",
                   "processing is restricted for this account; lift it with PUT "
                   "/api/v1/me/restrict");
  if (c.who.via_key) {
    if (c.who.key_notice_version != c.app.config.notice.version)
      throw ApiError(403, "consent_renewal_required",
                     "the processing notice changed; the key's owner must renew consent with POST "
                     "/api/v1/keys/{id}/consent" +
                         notice);
    return;
  }
  if (!has_current_consent(c.app, c.who.owner_id))
    throw ApiError(403, "consent_required",
                   "agree to the current processing notice first: POST /api/v1/consent" + notice);
}

void require_scope(const Ctx& c, const std::string& scope) {
  std::istringstream in(c.who.scopes);
  std::string s;
  while (in >> s)
    if (s == scope) return;
  throw ApiError(403, "insufficient_scope", "this API key lacks the '" + scope + "' scope");
}

void require_account(const Ctx& c) {
  if (!c.who.exists()) throw ApiError(401, "not_signed_in", "sign in first");
  if (c.who.kind != "account")
    throw ApiError(403, "account_required", "this needs an account (POST /api/v1/account)");
}

void require_role(const Ctx& c, const std::string& role) {
  require_account(c);
  if (c.who.via_key)
    throw ApiError(403, "forbidden", "administration is not available to API keys");
  if (c.who.role == "admin" || c.who.role == role) return;
  throw ApiError(403, "forbidden", "this needs the '" + role + "' role");
}

}  // namespace pixforge::service::http
