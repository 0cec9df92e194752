#include "a1111_harness.h"

#include <chrono>

#include "../../service/src/png_io.h"

namespace pixforge::service::testing {

std::vector<Image> ScriptedGenerator::run(const GenerationParams& p,
                                          const std::function<void(const Progress&)>& progress,
                                          const std::atomic<bool>& cancel) {
  int index;
  {
    std::lock_guard lock(mu_);
    index = static_cast<int>(calls_.size());
    calls_.push_back(p);
  }
  for (int s = 1; s <= p.steps; ++s) {
    if (cancel) throw GenerationCancelled();
    progress(Progress{s, p.steps, std::nullopt});
    std::unique_lock lock(mu_);
    if (index == pause_run_ && s == pause_step_) {
      paused_ = true;
      cv_.notify_all();
      // The cancel flag is set without notifying this condition variable: poll it.
      while (pause_run_ >= 0 && !cancel.load()) cv_.wait_for(lock, std::chrono::milliseconds(5));
      paused_ = false;
    }
  }
  // Each image's red channel is its seed (mod 256), so a test can tell which seed made it.
  std::vector<Image> out;
  for (int b = 0; b < p.batch; ++b) {
    Image img{p.width, p.height, 3, {}};
    img.pixels.assign(static_cast<std::size_t>(p.width) * p.height * 3,
                      static_cast<std::uint8_t>(b * 40));
    for (std::size_t i = 0; i < img.pixels.size(); i += 3)
      img.pixels[i] = static_cast<std::uint8_t>(p.seed & 0xff);
    out.push_back(std::move(img));
  }
  return out;
}

void ScriptedGenerator::pause_at(int run, int step) {
  std::lock_guard lock(mu_);
  pause_run_ = run;
  pause_step_ = step;
}

bool ScriptedGenerator::wait_until_paused(int timeout_ms) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return paused_; });
}

void ScriptedGenerator::release() {
  std::lock_guard lock(mu_);
  pause_run_ = -1;
  cv_.notify_all();
}

std::vector<GenerationParams> ScriptedGenerator::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

A1111Service::A1111Service(ServiceConfig config, std::string hash, std::string file) {
  config.server.data_dir = dir.path() + "/data";
  config.server.port = 0;
  ServiceOptions o;
  o.config = std::move(config);
  o.clock = &clock;
  o.start_sweeper = false;
  auto g = std::make_unique<ScriptedGenerator>();
  g->hash = std::move(hash);
  g->file = std::move(file);
  generator = g.get();
  o.generator = std::move(g);
  service_ = std::make_unique<Service>(std::move(o));
  port = service_->start();
}

A1111Service::~A1111Service() {
  if (generator) generator->release();
  service_.reset();
}

std::string split_png(int w, int h, int split, std::uint8_t left, std::uint8_t right) {
  Image img{w, h, 3, {}};
  img.pixels.resize(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        img.pixels[(static_cast<std::size_t>(y) * w + x) * 3 + c] = x < split ? left : right;
  return encode_png(img);
}

}  // namespace pixforge::service::testing
