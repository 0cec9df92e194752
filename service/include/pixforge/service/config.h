// Service configuration from `pixforge.toml`. Policy is code: the retention periods, the notice
// and the processor table here are the single source that drives the sweeper, the API
// (`GET /api/v1/privacy`) and the notice page the user reads before consenting.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pixforge::service {

// An external party that receives data (a remote generation provider, a prompt enhancer).
struct Processor {
  std::string name;
  std::string data_sent;  // what leaves this machine
  std::string purpose;
  std::string use_limit;  // what the processor may do with it
  std::string location;
};

struct Retention {
  double upload_hours = 24;             // source images, after the job completes or fails
  double prompt_hours = 24;             // prompt text, after the result is returned
  double output_days = 7;               // generated images of anonymous sessions
  double account_inactivity_days = 90;  // account content, unless premium
  double request_log_days = 30;
  double analytics_days = 183;  // aggregated counters, at most ~6 months
  double soft_deleted_days = 30;
  double session_idle_days = 30;     // anonymous sessions with no activity
  double flagged_review_days = 14;   // withheld (flagged) images, kept encrypted for review (P9)
  double moderation_log_days = 365;  // flag log and prompt-safety decisions (no prompts, P8/P9)
};

// Prompt screening (P8) in the request path.
struct SafetySettings {
  std::string rules_file;  // operator rules extending the compiled-in defaults; empty: defaults
  bool screen_negative_prompt = true;  // negative prompts that ask to remove clothing
};

// Output moderation (P9): every generated image is scored before it is stored as visible.
struct ModerationSettings {
  bool enabled = true;  // false: the operator explicitly serves unscored images (logged)
  double porn = 0.5;    // flag at these class probabilities (nsfwjs classes)
  double hentai = 0.5;
  double sexy = 0.7;
  std::string models_dir;  // weights; empty: $PIXFORGE_MODELS, ./models, the checkout's models/
};

struct Notice {
  int version = 1;
  std::string last_updated = "2026-11-23";
  std::string operator_name = "the operator of this Pixforge instance";
  std::string contact = "";
};

struct Limits {
  std::size_t max_body_bytes = 16u << 20;     // whole request, uploads included
  std::int64_t max_image_pixels = 4'194'304;  // decoded upload (2048 x 2048)
  int max_image_side = 4096;
  int max_width = 2048;
  int max_height = 2048;
  int max_steps = 150;
  int max_batch = 4;
  int max_prompt_chars = 4000;
  double ip_rate_per_s = 20;  // token bucket refill per truncated IP
  double ip_burst = 60;
  double key_rate_per_s = 10;  // token bucket refill per API key
  double key_burst = 30;
  std::int64_t daily_quota_images = 500;  // per account per UTC day
  int login_failures = 5;                 // then refuse for login_lockout_s
  int login_lockout_s = 900;
  int read_timeout_s = 30;
  int write_timeout_s = 30;
};

struct ServerSettings {
  std::string listen = "127.0.0.1";
  int port = 8080;
  std::string tls_cert;  // TLS when both are set
  std::string tls_key;
  std::string data_dir = "pixforge-data";
  std::string master_key_file;  // default <data_dir>/master.key; env PIXFORGE_MASTER_KEY wins
  std::string model;            // model file the generator loads (empty: no generation)
  // Origin clients reach the server at (e.g. "https://images.example.org"), for absolute URLs
  // in API answers; empty: taken from each request's Host header.
  std::string public_url;
  int sweep_interval_s = 300;
};

// What outputs carry (P4: outputs carry only generation parameters).
struct PrivacySettings {
  // The A1111 `parameters` PNG text chunk (prompt included) in every output, as A1111 and
  // ComfyUI users expect (F15); it lives as long as the image. false: outputs carry no text.
  bool embed_parameters = true;
};

struct ServiceConfig {
  ServerSettings server;
  Notice notice;
  Retention retention;
  Limits limits;
  PrivacySettings privacy;
  SafetySettings safety;
  ModerationSettings moderation;
  std::vector<Processor> processors;
};

// Parses a TOML document; unknown keys and wrong types are errors naming the key.
ServiceConfig parse_config(const std::string& toml_text, const std::string& source_name);
ServiceConfig load_config(const std::string& path);  // throws naming the file

// The machine-readable policy served at GET /api/v1/privacy.
nlohmann::json policy_json(const ServiceConfig& config);

}  // namespace pixforge::service
