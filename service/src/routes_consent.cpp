// Session state, consent (P1, P10, P12) and the notice (page and machine-readable).
#include "http.h"
#include "identity.h"

namespace pixforge::service::http {
namespace {

void get_session(Ctx& c) {
  nlohmann::json j = {{"signed_in", c.who.exists()},
                      {"notice_version", c.app.config.notice.version},
                      {"notice_url", kNoticeUrl}};
  if (!c.who.exists()) {
    j["consent"] = false;
    send_json(c, 200, j);
    return;
  }
  j["kind"] = c.who.kind;
  j["role"] = c.who.role;
  j["consent"] = has_current_consent(c.app, c.who.owner_id);
  if (!c.who.via_key) j["csrf_token"] = c.who.csrf_token;
  if (c.who.kind == "account")
    if (auto a = c.app.store->find_account(c.who.owner_id)) j["username"] = a->username;
  send_json(c, 200, j);
}

// Checks the parts of a consent request that must hold before anything is stored.
void check_consent_request(const Ctx& c, const nlohmann::json& body) {
  if (!bool_field(body, "age_confirmed", false))
    throw ApiError(403, "age_confirmation_required",
                   "field 'age_confirmed': you must confirm that you are at least 13 years old",
                   "age_confirmed");
  const auto version = int_field(body, "notice_version", -1, -1, 1'000'000);
  if (version != c.app.config.notice.version)
    throw ApiError(409, "notice_changed",
                   "field 'notice_version': must be the current notice version " +
                       std::to_string(c.app.config.notice.version) + " (read " + kNoticeUrl + ")",
                   "notice_version");
}

void post_consent(Ctx& c) {
  const auto body = body_json(c);
  if (!bool_field(body, "agree", false)) {
    // Declining stores nothing and starts nothing.
    send_json(c, 200, {{"consent", false}, {"stored", false}});
    return;
  }
  check_consent_request(c, body);
  if (c.who.via_key)
    throw ApiError(403, "use_key_consent",
                   "API keys renew consent via POST /api/v1/keys/{id}/consent");
  if (!c.who.exists()) start_anonymous_session(c);
  c.app.store->add_consent({0, c.who.owner_id, c.app.config.notice.version, "web", c.app.now(), 0});
  c.app.audit(c.who.owner_id, "consent_given", c.who.owner_id,
              "notice_version=" + std::to_string(c.app.config.notice.version));
  send_json(c, 201,
            {{"consent", true},
             {"notice_version", c.app.config.notice.version},
             {"csrf_token", c.who.csrf_token}});
}

void delete_consent(Ctx& c) {
  if (!c.who.exists() || c.who.via_key)
    throw ApiError(401, "not_signed_in", "no session to withdraw consent for");
  c.app.store->withdraw_consents(c.who.owner_id, "web", c.app.now());
  c.app.audit(c.who.owner_id, "consent_withdrawn", c.who.owner_id);
  send_json(c, 200, {{"consent", false}});
}

// Both are rendered once from the configuration (app_state.h): answering is a copy.
void get_privacy(Ctx& c) {
  c.res.status = 200;
  c.res.set_content(c.app.privacy_body, "application/json");
}

void get_notice_page(Ctx& c) {
  c.res.status = 200;
  c.res.set_content(c.app.notice_html, "text/html; charset=utf-8");
}

}  // namespace

void add_consent_routes(Router& r) {
  r.add("GET", "/api/v1/session", Style::kNative, get_session);
  r.add("POST", "/api/v1/consent", Style::kNative, post_consent);
  r.add("DELETE", "/api/v1/consent", Style::kNative, delete_consent);
  r.add("GET", "/api/v1/privacy", Style::kNative, get_privacy);
  r.add("GET", "/privacy", Style::kPage, get_notice_page);
}

}  // namespace pixforge::service::http
