// API keys (P1, P6): 256-bit random, shown once, stored as a keyed BLAKE2b hash, scoped, and
// created only with the owner's consent to the current notice for the key's scope.
#include <set>
#include <sstream>

#include "http.h"
#include "identity.h"

namespace pixforge::service::http {
namespace {

const std::set<std::string> kScopes = {"generate", "read", "delete"};

void require_cookie_account(const Ctx& c) {
  require_account(c);
  if (c.who.via_key) throw ApiError(403, "forbidden", "API keys cannot manage API keys");
}

void require_key_consent(const Ctx& c, const nlohmann::json& body) {
  if (!bool_field(body, "agree", false) ||
      int_field(body, "notice_version", -1, -1, 1'000'000) != c.app.config.notice.version)
    throw ApiError(403, "consent_required",
                   "fields 'agree' and 'notice_version': the key's owner must agree to the "
                   "current notice (version " +
                       std::to_string(c.app.config.notice.version) + ", " + kNoticeUrl +
                       ") for the key's scope",
                   "agree");
}

std::string parse_scopes(const nlohmann::json& body) {
  auto it = body.find("scopes");
  if (it == body.end()) return "generate read";
  if (!it->is_array() || it->empty()) throw bad_request("scopes", "must be a non-empty array");
  std::set<std::string> chosen;
  for (const auto& s : *it) {
    if (!s.is_string() || !kScopes.count(s.get<std::string>()))
      throw bad_request("scopes", "each scope must be one of generate, read, delete");
    chosen.insert(s.get<std::string>());
  }
  std::string out;
  for (const auto& s : chosen) out += (out.empty() ? "" : " ") + s;
  return out;
}

void post_key(Ctx& c) {
  require_cookie_account(c);
  const auto body = body_json(c);
  const std::string scopes = parse_scopes(body);
  require_key_consent(c, body);
  const std::string id = random_token(12);
  const std::string key = "pf_" + random_token(32);  // 256 bits of randomness
  const std::int64_t now = c.app.now();
  const int version = c.app.config.notice.version;
  c.app.store->create_api_key(
      {id, c.who.owner_id, token_hash(c.app.token_key, key), scopes, version, now, 0});
  c.app.store->add_consent({0, c.who.owner_id, version, "api_key:" + id, now, 0});
  c.app.audit(c.who.owner_id, "key_created", c.who.owner_id, "key=" + id + " scopes=" + scopes);
  send_json(c, 201,
            {{"id", id},
             {"key", key},
             {"scopes", scopes},
             {"notice_version", version},
             {"note", "this key is shown once; store it now"}});
}

void get_keys(Ctx& c) {
  require_cookie_account(c);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& k : c.app.store->api_keys(c.who.owner_id))
    list.push_back({{"id", k.id},
                    {"scopes", k.scopes},
                    {"notice_version", k.notice_version},
                    {"consent_current", k.notice_version == c.app.config.notice.version},
                    {"created_ms", k.created_ms},
                    {"revoked", k.revoked_ms != 0}});
  send_json(c, 200, {{"keys", list}});
}

void delete_key(Ctx& c) {
  require_cookie_account(c);
  const std::string id = c.req.matches[1];
  if (!c.app.store->revoke_api_key(c.who.owner_id, id, c.app.now())) throw not_found("API key");
  c.app.store->withdraw_consents(c.who.owner_id, "api_key:" + id, c.app.now());
  c.app.audit(c.who.owner_id, "key_revoked", c.who.owner_id, "key=" + id);
  send_json(c, 200, {{"revoked", true}});
}

void renew_key_consent(Ctx& c) {
  require_cookie_account(c);
  const std::string id = c.req.matches[1];
  const auto body = body_json(c);
  require_key_consent(c, body);
  bool mine = false;
  for (const auto& k : c.app.store->api_keys(c.who.owner_id))
    mine = mine || (k.id == id && k.revoked_ms == 0);
  if (!mine) throw not_found("API key");
  const int version = c.app.config.notice.version;
  c.app.store->renew_api_key_consent(c.who.owner_id, id, version);
  c.app.store->add_consent({0, c.who.owner_id, version, "api_key:" + id, c.app.now(), 0});
  c.app.audit(c.who.owner_id, "consent_given", c.who.owner_id,
              "key=" + id + " notice_version=" + std::to_string(version));
  send_json(c, 200, {{"id", id}, {"notice_version", version}});
}

}  // namespace

void add_key_routes(Router& r) {
  r.add("POST", "/api/v1/keys", Style::kNative, post_key);
  r.add("GET", "/api/v1/keys", Style::kNative, get_keys);
  r.add("DELETE", R"(/api/v1/keys/([A-Za-z0-9_-]{1,64}))", Style::kNative, delete_key);
  r.add("POST", R"(/api/v1/keys/([A-Za-z0-9_-]{1,64})/consent)", Style::kNative, renew_key_consent);
}

}  // namespace pixforge::service::http
