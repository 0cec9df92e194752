// Everything the request handlers and the worker share, built once by Service.
#pragma once

#include <memory>
#include <string>

#include "event_hub.h"
#include "pixforge/service/blob_store.h"
#include "pixforge/service/clock.h"
#include "pixforge/service/config.h"
#include "pixforge/service/generator.h"
#include "pixforge/service/service.h"
#include "pixforge/service/store.h"
#include "pixforge/service/vault.h"
#include "rate_limit.h"

namespace pixforge::service {

class JobRunner;
class PromptSafety;
struct ServerHolder;  // service.cpp

struct Service::State {
  ServiceConfig config;
  std::unique_ptr<Clock> own_clock;  // when no clock was injected
  const Clock* clock = nullptr;
  Key master{};
  Key token_key{};  // keyed BLAKE2b of session tokens and API keys
  Key audit_key{};
  std::unique_ptr<Store> store;
  std::unique_ptr<BlobStore> blobs;
  std::unique_ptr<Vault> vault;
  std::unique_ptr<Generator> generator;
  std::unique_ptr<ImageModerator> moderator;   // P9; null only when moderation is disabled
  std::shared_ptr<const PromptSafety> safety;  // P8 screeners (prompt_safety.h)
  EventHub events;
  TokenBuckets ip_buckets;
  TokenBuckets key_buckets;
  LoginThrottle logins;
  std::unique_ptr<JobRunner> runner;
  bool tls = false;
  // GET /api/v1/privacy and /privacy, rendered once: they depend only on `config`, which is
  // fixed for the life of the service (a changed notice takes a restart, like every setting).
  std::string privacy_body;
  std::string notice_html;
  std::unique_ptr<ServerHolder> http;  // declared last: destroyed first

  std::int64_t now() const { return clock->now_ms(); }
  void audit(const std::string& actor, const std::string& event, const std::string& subject,
             const std::string& detail = "") {
    store->append_audit(now(), actor, event, subject, detail);
  }
};

// "YYYY-MM-DD" (UTC) of a time in ms, for quotas and daily counters.
std::string utc_day(std::int64_t ms);

}  // namespace pixforge::service
