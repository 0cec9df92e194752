#include "event_hub.h"

namespace pixforge::service {

void EventHub::publish(const std::string& job_id, nlohmann::json event) {
  {
    std::lock_guard lock(mu_);
    Entry& e = latest_[job_id];
    ++e.seq;
    e.event = std::move(event);
  }
  cv_.notify_all();
}

std::pair<std::uint64_t, nlohmann::json> EventHub::wait(const std::string& job_id,
                                                        std::uint64_t after_seq,
                                                        std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const bool ready = cv_.wait_for(lock, timeout, [&] {
    if (closing_) return true;
    auto it = latest_.find(job_id);
    return it != latest_.end() && it->second.seq > after_seq;
  });
  auto it = latest_.find(job_id);
  if (!ready || it == latest_.end() || it->second.seq <= after_seq) return {after_seq, nullptr};
  return {it->second.seq, it->second.event};
}

void EventHub::forget(const std::string& job_id) {
  std::lock_guard lock(mu_);
  latest_.erase(job_id);
}

void EventHub::wake_all() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
}

}  // namespace pixforge::service
