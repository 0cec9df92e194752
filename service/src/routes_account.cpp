// Accounts: create (P10 age confirmation + consent), sign in/out with throttling, profile.
#include <algorithm>

#include "http.h"
#include "identity.h"
#include "owner_data.h"

namespace pixforge::service::http {
namespace {

std::string valid_username(const nlohmann::json& body) {
  std::string name = str_field(body, "username", true, 32);
  const bool ok =
      name.size() >= 3 && std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
      });
  if (!ok)
    throw bad_request("username", "must be 3-32 characters of letters, digits, '_', '-', '.'");
  return name;
}

std::string valid_email(const nlohmann::json& body) {
  std::string email = str_field(body, "email", false, 254);
  if (!email.empty() &&
      (email.find('@') == std::string::npos || email.find(' ') != std::string::npos))
    throw bad_request("email", "must be an e-mail address");
  return email;
}

std::string valid_password(const nlohmann::json& body) {
  std::string pw = str_field(body, "password", true, 1024);
  if (pw.size() < 10) throw bad_request("password", "must be at least 10 characters");
  return pw;
}

void post_account(Ctx& c) {
  const auto body = body_json(c);
  // Validate everything first: a refused sign-up stores nothing (P10).
  const std::string username = valid_username(body);
  const std::string password = valid_password(body);
  const std::string email = valid_email(body);
  if (!bool_field(body, "age_confirmed", false))
    throw ApiError(403, "age_confirmation_required",
                   "field 'age_confirmed': you must confirm that you are at least 13 years old",
                   "age_confirmed");
  if (!bool_field(body, "agree", false) ||
      int_field(body, "notice_version", -1, -1, 1'000'000) != c.app.config.notice.version)
    throw ApiError(403, "consent_required",
                   "fields 'agree' and 'notice_version': agree to the current notice (version " +
                       std::to_string(c.app.config.notice.version) + ", " + kNoticeUrl + ")",
                   "agree");
  if (c.app.store->find_account_by_username(username))
    throw ApiError(409, "username_taken", "field 'username': already taken", "username");
  const std::string id = random_token(16);
  const std::int64_t now = c.app.now();
  const std::string hash = hash_password(password);
  c.app.store->create_owner({id, "account", c.app.vault->new_wrapped_key(id), now, now});
  try {
    const Bytes sealed = email.empty() ? Bytes{} : c.app.vault->seal_for(id, email, "email:" + id);
    c.app.store->create_account({id, username, sealed, hash, "user", now, false});
  } catch (const StoreConflict&) {
    c.app.store->delete_owner(id);
    throw ApiError(409, "username_taken", "field 'username': already taken", "username");
  }
  c.app.store->add_consent({0, id, c.app.config.notice.version, "web", now, 0});
  c.app.audit(id, "account_created", id);
  c.app.audit(id, "consent_given", id,
              "notice_version=" + std::to_string(c.app.config.notice.version));
  if (c.who.exists() && !c.who.via_key) end_session(c);
  const std::string csrf = start_session(c, id);
  send_json(c, 201, {{"id", id}, {"username", username}, {"csrf_token", csrf}});
}

void post_login(Ctx& c) {
  const auto body = body_json(c);
  const std::string username = str_field(body, "username", true, 64);
  const std::string password = str_field(body, "password", true, 1024);
  const Limits& l = c.app.config.limits;
  const std::int64_t now = c.app.now();
  if (int wait = c.app.logins.retry_after_s(username, now, l.login_failures, l.login_lockout_s)) {
    c.res.set_header("Retry-After", std::to_string(wait));
    throw ApiError(429, "too_many_login_attempts", "too many failed sign-ins; retry later");
  }
  const auto account = c.app.store->find_account_by_username(username);
  // Verify against a fixed hash when the name is unknown, so timing does not reveal names.
  static const std::string dummy = hash_password("pixforge-dummy-password");
  const bool ok = verify_password(account ? account->password_hash : dummy, password) && account;
  if (!ok) {
    c.app.logins.failed(username, now, l.login_lockout_s);
    if (account) c.app.audit("anonymous", "login_failed", account->owner_id);
    throw ApiError(401, "invalid_credentials", "unknown username or wrong password");
  }
  c.app.logins.succeeded(username);
  if (c.who.exists() && !c.who.via_key) end_session(c);
  const std::string csrf = start_session(c, account->owner_id);
  c.app.store->touch_owner(account->owner_id, now);
  c.app.audit(account->owner_id, "login", account->owner_id);
  send_json(c, 200, {{"id", account->owner_id}, {"username", username}, {"csrf_token", csrf}});
}

void post_logout(Ctx& c) {
  end_session(c);
  send_json(c, 200, {{"signed_in", false}});
}

void get_me(Ctx& c) {
  if (!c.who.exists()) throw ApiError(401, "not_signed_in", "no session");
  send_json(c, 200, describe_owner(c.app, c.who.owner_id));
}

void patch_me(Ctx& c) {
  require_account(c);
  const auto body = body_json(c);
  if (!body.contains("email"))
    throw bad_request("email", "is the only correctable field and is missing");
  const std::string email = valid_email(body);
  const std::string& id = c.who.owner_id;
  c.app.store->update_account_email(
      id, email.empty() ? Bytes{} : c.app.vault->seal_for(id, email, "email:" + id));
  c.app.audit(id, "profile_corrected", id, "email");
  send_json(c, 200, describe_owner(c.app, id));
}

void put_training(Ctx& c) {
  if (!c.who.exists() || c.who.via_key) throw ApiError(401, "not_signed_in", "no session");
  const auto body = body_json(c);
  if (!body.contains("training_use")) throw bad_request("training_use", "is required");
  const bool value = bool_field(body, "training_use", false);
  c.app.store->set_training_use(c.who.owner_id, value, c.app.now());
  c.app.audit(c.who.owner_id, value ? "training_opt_in" : "training_opt_out", c.who.owner_id);
  send_json(c, 200, {{"training_use", value}});
}

void put_restrict(Ctx& c) {
  if (!c.who.exists() || c.who.via_key) throw ApiError(401, "not_signed_in", "no session");
  const auto body = body_json(c);
  if (!body.contains("restricted")) throw bad_request("restricted", "is required");
  const bool value = bool_field(body, "restricted", false);
  c.app.store->set_restricted(c.who.owner_id, value);
  c.app.audit(c.who.owner_id, value ? "processing_restricted" : "processing_unrestricted",
              c.who.owner_id);
  send_json(c, 200, {{"restricted", value}});
}

}  // namespace

void add_account_routes(Router& r) {
  r.add("POST", "/api/v1/account", Style::kNative, post_account);
  r.add("POST", "/api/v1/login", Style::kNative, post_login);
  r.add("POST", "/api/v1/logout", Style::kNative, post_logout);
  r.add("GET", "/api/v1/me", Style::kNative, get_me);
  r.add("PATCH", "/api/v1/me", Style::kNative, patch_me);
  r.add("PUT", "/api/v1/me/training", Style::kNative, put_training);
  r.add("PUT", "/api/v1/me/restrict", Style::kNative, put_restrict);
}

}  // namespace pixforge::service::http
