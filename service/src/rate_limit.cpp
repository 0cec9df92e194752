#include "rate_limit.h"

#include <algorithm>
#include <cmath>

namespace pixforge::service {

int TokenBuckets::take(const std::string& key, double rate, double burst, std::int64_t now) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double elapsed_s =
        static_cast<double>(std::max<std::int64_t>(0, now - b.updated_ms)) / 1000.0;
    b.tokens = std::min(burst, b.tokens + elapsed_s * rate);
    b.updated_ms = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  if (rate <= 0) return 3600;
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate)));
}

void TokenBuckets::clear(const std::string& key) {
  std::lock_guard lock(mu_);
  buckets_.erase(key);
}

int LoginThrottle::retry_after_s(const std::string& name, std::int64_t now, int max_failures,
                                 int window_s) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return 0;
  const std::int64_t window_end = it->second.first_ms + std::int64_t{window_s} * 1000;
  if (now >= window_end) {
    entries_.erase(it);
    return 0;
  }
  if (it->second.failures < max_failures) return 0;
  return static_cast<int>((window_end - now + 999) / 1000);
}

void LoginThrottle::failed(const std::string& name, std::int64_t now, int window_s) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = entries_.try_emplace(name, Entry{0, now});
  if (!fresh && now >= it->second.first_ms + std::int64_t{window_s} * 1000) it->second = {0, now};
  ++it->second.failures;
}

void LoginThrottle::succeeded(const std::string& name) {
  std::lock_guard lock(mu_);
  entries_.erase(name);
}

}  // namespace pixforge::service
