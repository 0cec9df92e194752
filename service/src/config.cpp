// pixforge.toml → ServiceConfig. Every key is checked: a typo in a retention period must not
// silently fall back to a default the operator did not choose.
#include "pixforge/service/config.h"

#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace pixforge::service {
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& key, const std::string& rule) {
  throw std::runtime_error(source + ": key '" + key + "': " + rule);
}

void check_keys(const toml::table& table, const std::set<std::string>& allowed,
                const std::string& source, const std::string& prefix) {
  for (const auto& [key, value] : table) {
    (void)value;
    if (!allowed.count(std::string(key.str())))
      fail(source, prefix + std::string(key.str()), "unknown key");
  }
}

template <typename T>
void read(const toml::table& t, const char* key, T& out, const std::string& source,
          const std::string& prefix) {
  const toml::node* node = t.get(key);
  if (!node) return;
  if constexpr (std::is_same_v<T, std::string>) {
    if (!node->is_string()) fail(source, prefix + key, "must be a string");
    out = *node->value<std::string>();
  } else if constexpr (std::is_same_v<T, double>) {
    if (!node->is_number()) fail(source, prefix + key, "must be a number");
    out = *node->value<double>();
    if (out < 0) fail(source, prefix + key, "must not be negative");
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!node->is_boolean()) fail(source, prefix + key, "must be true or false");
    out = *node->value<bool>();
  } else {
    if (!node->is_integer()) fail(source, prefix + key, "must be an integer");
    const auto v = *node->value<std::int64_t>();
    if (v < 0) fail(source, prefix + key, "must not be negative");
    out = static_cast<T>(v);
  }
}

const toml::table* section(const toml::table& root, const char* name, const std::string& source) {
  const toml::node* node = root.get(name);
  if (!node) return nullptr;
  if (!node->is_table()) fail(source, name, "must be a table");
  return node->as_table();
}

void read_server(const toml::table& t, ServerSettings& s, const std::string& src) {
  check_keys(t,
             {"listen", "port", "tls_cert", "tls_key", "data_dir", "master_key_file", "model",
              "sweep_interval_s", "public_url"},
             src, "server.");
  const std::string p = "server.";
  read(t, "listen", s.listen, src, p);
  read(t, "port", s.port, src, p);
  read(t, "tls_cert", s.tls_cert, src, p);
  read(t, "tls_key", s.tls_key, src, p);
  read(t, "data_dir", s.data_dir, src, p);
  read(t, "master_key_file", s.master_key_file, src, p);
  read(t, "model", s.model, src, p);
  read(t, "sweep_interval_s", s.sweep_interval_s, src, p);
  read(t, "public_url", s.public_url, src, p);
  while (!s.public_url.empty() && s.public_url.back() == '/') s.public_url.pop_back();
  if (!s.public_url.empty() && s.public_url.rfind("http://", 0) != 0 &&
      s.public_url.rfind("https://", 0) != 0)
    fail(src, "server.public_url", "must start with http:// or https://");
  if (s.port > 65535) fail(src, "server.port", "must be at most 65535");
  if (s.tls_cert.empty() != s.tls_key.empty())
    fail(src, "server.tls_cert", "tls_cert and tls_key must be given together");
}

void read_privacy(const toml::table& t, PrivacySettings& s, const std::string& src) {
  check_keys(t, {"embed_parameters"}, src, "privacy.");
  read(t, "embed_parameters", s.embed_parameters, src, "privacy.");
}

void read_notice(const toml::table& t, Notice& n, const std::string& src) {
  check_keys(t, {"version", "last_updated", "operator", "contact"}, src, "notice.");
  read(t, "version", n.version, src, "notice.");
  read(t, "last_updated", n.last_updated, src, "notice.");
  read(t, "operator", n.operator_name, src, "notice.");
  read(t, "contact", n.contact, src, "notice.");
  if (n.version < 1) fail(src, "notice.version", "must be at least 1");
}

void read_retention(const toml::table& t, Retention& r, const std::string& src) {
  check_keys(t,
             {"upload_hours", "prompt_hours", "output_days", "account_inactivity_days",
              "request_log_days", "analytics_days", "soft_deleted_days", "session_idle_days",
              "flagged_review_days", "moderation_log_days"},
             src, "retention.");
  const std::string p = "retention.";
  read(t, "upload_hours", r.upload_hours, src, p);
  read(t, "prompt_hours", r.prompt_hours, src, p);
  read(t, "output_days", r.output_days, src, p);
  read(t, "account_inactivity_days", r.account_inactivity_days, src, p);
  read(t, "request_log_days", r.request_log_days, src, p);
  read(t, "analytics_days", r.analytics_days, src, p);
  read(t, "soft_deleted_days", r.soft_deleted_days, src, p);
  read(t, "session_idle_days", r.session_idle_days, src, p);
  read(t, "flagged_review_days", r.flagged_review_days, src, p);
  read(t, "moderation_log_days", r.moderation_log_days, src, p);
  // The promises are upper bounds: configuration may shorten them, never lengthen them.
  if (r.upload_hours > 24) fail(src, p + "upload_hours", "must be at most 24 (promise P3)");
  if (r.prompt_hours > 24) fail(src, p + "prompt_hours", "must be at most 24 (promise P3)");
  if (r.request_log_days > 30) fail(src, p + "request_log_days", "must be at most 30 (P3)");
  if (r.analytics_days > 183) fail(src, p + "analytics_days", "must be at most 183 (P3)");
  if (r.soft_deleted_days > 30) fail(src, p + "soft_deleted_days", "must be at most 30 (P3)");
  // Withheld images are kept for a bounded review time only (P9).
  if (r.flagged_review_days > 30) fail(src, p + "flagged_review_days", "must be at most 30 (P9)");
  if (r.moderation_log_days > 730)
    fail(src, p + "moderation_log_days", "must be at most 730 (P8/P9)");
}

void read_safety(const toml::table& t, SafetySettings& s, const std::string& src) {
  check_keys(t, {"rules_file", "screen_negative_prompt"}, src, "safety.");
  read(t, "rules_file", s.rules_file, src, "safety.");
  read(t, "screen_negative_prompt", s.screen_negative_prompt, src, "safety.");
}

void read_moderation(const toml::table& t, ModerationSettings& m, const std::string& src) {
  check_keys(t, {"enabled", "porn", "hentai", "sexy", "models_dir"}, src, "moderation.");
  const std::string p = "moderation.";
  read(t, "enabled", m.enabled, src, p);
  read(t, "porn", m.porn, src, p);
  read(t, "hentai", m.hentai, src, p);
  read(t, "sexy", m.sexy, src, p);
  read(t, "models_dir", m.models_dir, src, p);
  for (const auto& [key, v] : {std::pair{"porn", m.porn}, {"hentai", m.hentai}, {"sexy", m.sexy}})
    if (v > 1) fail(src, p + key, "must be a probability in [0, 1]");
}

void read_limits(const toml::table& t, Limits& l, const std::string& src) {
  check_keys(t,
             {"max_body_bytes", "max_image_pixels", "max_image_side", "max_width", "max_height",
              "max_steps", "max_batch", "max_prompt_chars", "ip_rate_per_s", "ip_burst",
              "key_rate_per_s", "key_burst", "daily_quota_images", "login_failures",
              "login_lockout_s", "read_timeout_s", "write_timeout_s"},
             src, "limits.");
  const std::string p = "limits.";
  read(t, "max_body_bytes", l.max_body_bytes, src, p);
  read(t, "max_image_pixels", l.max_image_pixels, src, p);
  read(t, "max_image_side", l.max_image_side, src, p);
  read(t, "max_width", l.max_width, src, p);
  read(t, "max_height", l.max_height, src, p);
  read(t, "max_steps", l.max_steps, src, p);
  read(t, "max_batch", l.max_batch, src, p);
  read(t, "max_prompt_chars", l.max_prompt_chars, src, p);
  read(t, "ip_rate_per_s", l.ip_rate_per_s, src, p);
  read(t, "ip_burst", l.ip_burst, src, p);
  read(t, "key_rate_per_s", l.key_rate_per_s, src, p);
  read(t, "key_burst", l.key_burst, src, p);
  read(t, "daily_quota_images", l.daily_quota_images, src, p);
  read(t, "login_failures", l.login_failures, src, p);
  read(t, "login_lockout_s", l.login_lockout_s, src, p);
  read(t, "read_timeout_s", l.read_timeout_s, src, p);
  read(t, "write_timeout_s", l.write_timeout_s, src, p);
}

void read_processors(const toml::node& node, std::vector<Processor>& out, const std::string& src) {
  if (!node.is_array_of_tables()) fail(src, "processors", "must be an array of tables");
  for (const auto& item : *node.as_array()) {
    const auto& t = *item.as_table();
    check_keys(t, {"name", "data_sent", "purpose", "use_limit", "location"}, src, "processors.");
    Processor p;
    read(t, "name", p.name, src, "processors.");
    read(t, "data_sent", p.data_sent, src, "processors.");
    read(t, "purpose", p.purpose, src, "processors.");
    read(t, "use_limit", p.use_limit, src, "processors.");
    read(t, "location", p.location, src, "processors.");
    if (p.name.empty() || p.data_sent.empty() || p.purpose.empty() || p.use_limit.empty())
      fail(src, "processors", "every processor needs name, data_sent, purpose and use_limit");
    out.push_back(std::move(p));
  }
}

}  // namespace

ServiceConfig parse_config(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source << ": TOML syntax error at line " << e.source().begin.line << ": "
       << e.description();
    throw std::runtime_error(os.str());
  }
  check_keys(
      root,
      {"server", "notice", "retention", "limits", "safety", "moderation", "privacy", "processors"},
      source, "");
  ServiceConfig c;
  if (auto* t = section(root, "server", source)) read_server(*t, c.server, source);
  if (auto* t = section(root, "notice", source)) read_notice(*t, c.notice, source);
  if (auto* t = section(root, "retention", source)) read_retention(*t, c.retention, source);
  if (auto* t = section(root, "limits", source)) read_limits(*t, c.limits, source);
  if (auto* t = section(root, "safety", source)) read_safety(*t, c.safety, source);
  if (auto* t = section(root, "moderation", source)) read_moderation(*t, c.moderation, source);
  if (auto* t = section(root, "privacy", source)) read_privacy(*t, c.privacy, source);
  if (auto* node = root.get("processors")) read_processors(*node, c.processors, source);
  return c;
}

ServiceConfig load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read configuration file " + path);
  std::ostringstream os;
  os << in.rdbuf();
  return parse_config(os.str(), path);
}

nlohmann::json policy_json(const ServiceConfig& c) {
  const Retention& r = c.retention;
  nlohmann::json processors = nlohmann::json::array();
  for (const auto& p : c.processors)
    processors.push_back({{"name", p.name},
                          {"data_sent", p.data_sent},
                          {"purpose", p.purpose},
                          {"use_limit", p.use_limit},
                          {"location", p.location}});
  return {
      {"notice",
       {{"version", c.notice.version},
        {"last_updated", c.notice.last_updated},
        {"operator", c.notice.operator_name},
        {"contact", c.notice.contact},
        {"url", "/privacy"}}},
      {"retention",
       {{"uploads_hours_after_job_end", r.upload_hours},
        {"prompts_hours_after_result", r.prompt_hours},
        {"face_data", "never stored; memory only, dropped when the job ends"},
        {"outputs_days_anonymous", r.output_days},
        {"account_content_days_of_inactivity", r.account_inactivity_days},
        {"request_logs_days", r.request_log_days},
        {"analytics_days", r.analytics_days},
        {"soft_deleted_days", r.soft_deleted_days},
        {"anonymous_session_idle_days", r.session_idle_days},
        {"flagged_images_review_days", r.flagged_review_days},
        {"moderation_log_days", r.moderation_log_days}}},
      {"safety",
       {{"prompt_screening", true},
        {"output_moderation", c.moderation.enabled},
        {"flagged_images",
         "withheld from the user, shown only to moderators, deleted after "
         "the review period"},
        {"logged", "category, action and time of each decision; never the prompt"}}},
      {"showcase", "only images their owner opted in, one by one; revocable at any time"},
      {"processors", processors},
      {"local_processing_only", c.processors.empty()},
      {"training_use_default", false},
      {"outputs_embed_parameters", c.privacy.embed_parameters},
      {"ip_addresses", "truncated before storage: IPv4 /24, IPv6 /48"},
      {"encryption", "XChaCha20-Poly1305, per-owner data keys under a master key"},
      {"honours", {"DNT", "Sec-GPC"}},
      {"minimum_age", 13},
      {"rights",
       {{"view", "GET /api/v1/me"},
        {"export", "GET /api/v1/export"},
        {"delete_item", "DELETE /api/v1/images/{id}"},
        {"delete_all_content", "DELETE /api/v1/content"},
        {"delete_account", "DELETE /api/v1/me"},
        {"withdraw_consent", "DELETE /api/v1/consent"},
        {"training_opt", "PUT /api/v1/me/training"},
        {"restrict_processing", "PUT /api/v1/me/restrict"},
        {"correct_profile", "PATCH /api/v1/me"},
        {"showcase_opt_in", "POST /api/v1/images/{id}/showcase"},
        {"showcase_revoke", "DELETE /api/v1/images/{id}/showcase"}}},
  };
}

}  // namespace pixforge::service
