// Token buckets per key (truncated IP, API key id, login name): `rate` tokens per second up to
// `burst`. In memory: limits protect this process; quotas that must survive restarts are in
// the store (consume_quota).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pixforge::service {

class TokenBuckets {
 public:
  // Takes one token; returns 0 when allowed, else the seconds until one is available
  // (rounded up, at least 1) for the Retry-After header.
  int take(const std::string& key, double rate_per_s, double burst, std::int64_t now_ms);
  void clear(const std::string& key);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t updated_ms = 0;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// Login throttling: after `max_failures` failed logins for one name within the window, further
// attempts are refused until the window passes (whether or not the password is right).
class LoginThrottle {
 public:
  int retry_after_s(const std::string& name, std::int64_t now_ms, int max_failures, int window_s);
  void failed(const std::string& name, std::int64_t now_ms, int window_s);
  void succeeded(const std::string& name);

 private:
  struct Entry {
    int failures = 0;
    std::int64_t first_ms = 0;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace pixforge::service
