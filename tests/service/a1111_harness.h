// A service on loopback with a scripted generator for the A1111 tests: it records every
// Generator::run (A1111 jobs run one image per call), can stop inside a chosen run and step so
// a test reads /sdapi/v1/progress mid-job, and names a checkpoint file for sd-models hashing.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api_harness.h"

namespace pixforge::service::testing {

class ScriptedGenerator final : public Generator {
 public:
  std::string model_name() const override { return "tiny-sd"; }
  std::vector<std::string> samplers() const override {
    return {"euler", "euler_ancestral", "dpmpp_2m", "ddim"};
  }
  std::vector<std::string> schedulers() const override { return {"normal", "karras"}; }
  bool supports_img2img() const override { return true; }
  std::vector<std::string> hires_upscalers() const override {
    return {"Latent", "Latent (nearest)", "None", "Lanczos"};
  }
  // Accepts what the routes send; the hires target from the scale or both resize sides (the
  // engine's rules are tested with the engine).
  std::pair<int, int> checked_output_size(const GenerationParams& p) const override {
    if (!p.hires) return {p.width, p.height};
    if (p.hires->upscaler == "Bogus") throw std::invalid_argument("unknown hires upscaler 'Bogus'");
    if (p.hires->resize_x > 0 && p.hires->resize_y > 0)
      return {p.hires->resize_x, p.hires->resize_y};
    return {static_cast<int>(p.width * p.hires->scale) / 8 * 8,
            static_cast<int>(p.height * p.hires->scale) / 8 * 8};
  }
  std::string model_hash() const override { return hash; }
  std::string model_file() const override { return file; }
  std::vector<Image> run(const GenerationParams& p,
                         const std::function<void(const Progress&)>& progress,
                         const std::atomic<bool>& cancel) override;

  // Blocks run `run` (0-based, counted over the generator's life) after reporting `step`
  // until release(); wait_until_paused() returns once it is there.
  void pause_at(int run, int step);
  bool wait_until_paused(int timeout_ms);
  void release();
  std::vector<GenerationParams> calls() const;

  std::string hash;  // what model_hash() answers
  std::string file;  // what model_file() answers

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<GenerationParams> calls_;
  int pause_run_ = -1;
  int pause_step_ = 0;
  bool paused_ = false;
};

class A1111Service {
 public:
  explicit A1111Service(ServiceConfig config = test_config(), std::string hash = "",
                        std::string file = "");
  ~A1111Service();
  Client client() { return Client(port); }
  Service& service() { return *service_; }

  TempDir dir;
  ManualClock clock;
  ScriptedGenerator* generator = nullptr;  // owned by the service
  int port = 0;

 private:
  std::unique_ptr<Service> service_;
};

// A small txt2img body (64x64, 2 steps, seed 5) with `extra` fields over it.
inline nlohmann::json a1111_body(nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json b = {
      {"prompt", "a lighthouse"}, {"steps", 2}, {"width", 64}, {"height", 64}, {"seed", 5}};
  b.update(extra);
  return b;
}

// A grey PNG: columns < split are `left`, the others `right`.
std::string split_png(int w, int h, int split, std::uint8_t left, std::uint8_t right);

}  // namespace pixforge::service::testing
