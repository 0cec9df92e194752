// Time as the service sees it. Everything that ages data (retention, sessions, rate limits,
// throttling) asks a Clock, so tests advance time instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace pixforge::service {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ms() const = 0;  // milliseconds since the Unix epoch
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to (tests).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_.load(); }
  void advance_ms(std::int64_t ms) { now_ += ms; }
  void advance_hours(double h) { now_ += static_cast<std::int64_t>(h * 3'600'000.0); }

 private:
  std::atomic<std::int64_t> now_;
};

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;

}  // namespace pixforge::service
