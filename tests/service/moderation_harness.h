// A running service with an ImageModerator, for the P8/P9/P11 API tests. TestService has no
// moderator (test_config() turns moderation off), so these tests build their own Service the
// same way, over a temporary data directory with a ManualClock.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "api_harness.h"
#include "pixforge/service/moderator.h"

namespace pixforge::service::testing {

// The P9 seam's test double: flags an image when its first pixel's red value is at least
// `flag_from_red` (the GradientGenerator paints red = seed at the origin, so the seed chooses
// which outputs are flagged). Counts every image it scores.
class TestModerator final : public ImageModerator {
 public:
  std::string name() const override { return "test moderator"; }
  ModerationScore score(const Image& image) override {
    ++scored;
    if (fail) throw std::runtime_error("test moderator: scoring failed");
    const int red = image.pixels.empty() ? 0 : image.pixels[0];
    ModerationScore s;
    s.flagged = red >= flag_from_red;
    s.top = s.flagged ? "Porn" : "Neutral";
    s.probabilities = {{"Neutral", s.flagged ? 0.1 : 0.9}, {"Porn", s.flagged ? 0.9 : 0.1}};
    return s;
  }
  std::atomic<int> flag_from_red{200};
  std::atomic<int> scored{0};
  std::atomic<bool> fail{false};
};

// Seeds that make the GradientGenerator's first pixel flagged / clean under TestModerator.
constexpr int kFlaggedSeed = 250;
constexpr int kCleanSeed = 9;

class ModeratedService {
 public:
  explicit ModeratedService(ServiceConfig config = moderated_config()) {
    config.server.data_dir = dir.path() + "/data";
    config.server.port = 0;
    ServiceOptions o;
    o.config = std::move(config);
    o.clock = &clock;
    o.start_sweeper = false;
    auto g = std::make_unique<GradientGenerator>();
    generator = g.get();
    o.generator = std::move(g);
    auto m = std::make_unique<TestModerator>();
    moderator = m.get();
    o.moderator = std::move(m);
    service_ = std::make_unique<Service>(std::move(o));
    port = service_->start();
  }
  ~ModeratedService() { service_.reset(); }

  static ServiceConfig moderated_config() {
    ServiceConfig c = test_config();
    c.moderation.enabled = true;
    return c;
  }

  Client client() { return Client(port); }
  Service& service() { return *service_; }
  Store& store() { return service_->store(); }
  std::string data_dir() const { return dir.path(); }

  // An account client with the given role (set directly in the store, as `pixforge admin` does).
  Client account(const std::string& name, const std::string& role = "user") {
    Client c = client();
    const std::string id = c.sign_up(name);
    if (role != "user") store().set_role(id, role);
    return c;
  }

  TempDir dir;
  ManualClock clock;
  GradientGenerator* generator = nullptr;
  TestModerator* moderator = nullptr;
  int port = 0;

 private:
  std::unique_ptr<Service> service_;
};

inline nlohmann::json small_job(const std::string& prompt, int seed) {
  return {{"prompt", prompt}, {"width", 64}, {"height", 64}, {"steps", 2}, {"seed", seed}};
}

}  // namespace pixforge::service::testing
