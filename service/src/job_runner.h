// The one worker thread that owns the generator: claims queued jobs from the store, runs
// them, scores every output with the moderator (P9: flagged ones are withheld for review),
// stores the (encrypted) outputs atomically and publishes progress events. On stop the
// running job is cancelled and put back in the queue, never left half-written.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "a1111_batch.h"
#include "app_state.h"

namespace pixforge::service {

class JobRunner {
 public:
  explicit JobRunner(Service::State& app) : app_(app) {}
  ~JobRunner() { stop(); }

  void start();
  void stop();    // cancels and requeues the running job; joins
  void notify();  // a job was queued
  // Cancels `job_id` if it is the running one (queued jobs are cancelled in the store).
  void cancel_running(const std::string& job_id);
  std::string running_job() const;

 private:
  void loop();
  void run_one(const JobRow& job);
  GenerationParams load_params(const JobRow& job);
  struct Stored {
    std::vector<std::string> visible;  // output ids the owner may fetch
    int withheld = 0;                  // flagged by moderation, held for review (P9)
  };
  Stored store_outputs(const JobRow& job, const std::vector<Image>& images);
  void store_one(const JobRow& job, const Image& img, const std::optional<ModerationScore>& score,
                 Stored& out);
  void publish_progress(const JobRow& job, const JobProgress& p,
                        const std::optional<Image>& preview);

  Service::State& app_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool pending_ = false;
  std::string running_;
  std::atomic<bool> cancel_{false};
};

// Image → "data:image/png;base64,..." (previews in events, b64 responses).
std::string png_data_url(const std::string& png);
std::string base64(const std::string& bytes);

}  // namespace pixforge::service
