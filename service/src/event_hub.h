// Live job events for Server-Sent Events: the worker publishes, HTTP threads wait. Only the
// latest event per job is kept (a slow client skips intermediate steps, never blocks the worker).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace pixforge::service {

class EventHub {
 public:
  // Publishes `event` (a JSON object) for `job_id`; bumps its sequence number.
  void publish(const std::string& job_id, nlohmann::json event);
  // Waits up to `timeout` for an event newer than `after_seq`; returns {seq, event} or
  // {after_seq, null} on timeout.
  std::pair<std::uint64_t, nlohmann::json> wait(const std::string& job_id, std::uint64_t after_seq,
                                                std::chrono::milliseconds timeout);
  void forget(const std::string& job_id);
  void wake_all();  // shutdown: release every waiter

 private:
  struct Entry {
    std::uint64_t seq = 0;
    nlohmann::json event;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> latest_;
  bool closing_ = false;
};

}  // namespace pixforge::service
