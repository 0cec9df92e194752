// In-process API test harness: a real Service on an ephemeral loopback port, a ManualClock,
// and a client that keeps its session cookie and CSRF token like a browser would.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "pixforge/service/service.h"
#include "test_helpers.h"

namespace pixforge::service::testing {

// A test double for the engine (tests only; the service itself never fakes generation): it
// paints a deterministic gradient from the seed, reports every step, and can be held at a
// step so tests can observe a running job, cancel it or stop the service mid-job.
class GradientGenerator final : public Generator {
 public:
  std::string model_name() const override { return "test-gradient"; }
  // A subset of the engine's (ComfyUI's) names, so A1111 name mapping is exercised.
  std::vector<std::string> samplers() const override {
    return {"euler", "euler_ancestral", "dpmpp_2m"};
  }
  std::vector<std::string> schedulers() const override { return {"normal", "karras"}; }
  bool supports_img2img() const override { return true; }
  std::vector<Image> run(const GenerationParams& p,
                         const std::function<void(const Progress&)>& progress,
                         const std::atomic<bool>& cancel) override;

  void hold(bool on);  // block in the first step until released
  bool wait_until_running(int timeout_ms);
  std::atomic<int> runs{0};
  GenerationParams last_params;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  bool running_ = false;
};

struct Response {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A browser-like client: keeps the session cookie; sends the CSRF token on unsafe methods.
class Client {
 public:
  explicit Client(int port) : http_("127.0.0.1", port) { http_.set_read_timeout(30, 0); }
  Response get(const std::string& path, httplib::Headers extra = {});
  Response post(const std::string& path, const nlohmann::json& body, httplib::Headers extra = {});
  Response put(const std::string& path, const nlohmann::json& body);
  Response patch(const std::string& path, const nlohmann::json& body);
  Response del(const std::string& path);
  Response raw_post(const std::string& path, const std::string& body, const std::string& type,
                    httplib::Headers extra = {});
  httplib::Client& http() { return http_; }

  // Agrees to the notice (creating an anonymous session).
  void consent(int notice_version = 1);
  // Creates an account (with consent) and signs in.
  std::string sign_up(const std::string& username, const std::string& email = "");
  std::string csrf;
  std::string cookie;
  std::string bearer;

 private:
  httplib::Headers headers(httplib::Headers extra, bool unsafe) const;
  Response wrap(const httplib::Result& r);
  httplib::Client http_;
};

// A running service over a temporary data directory.
class TestService {
 public:
  explicit TestService(bool with_generator = true, std::optional<ServiceConfig> config = {},
                       std::shared_ptr<TempDir> dir = nullptr);
  ~TestService();
  Client client() { return Client(port); }
  Service& service() { return *service_; }
  Store& store() { return service_->store(); }
  std::string data_dir() const { return dir->path(); }
  void restart(ServiceConfig config);  // same data directory, new process state

  std::shared_ptr<TempDir> dir;
  ManualClock clock;
  GradientGenerator* generator = nullptr;  // owned by the service
  int port = 0;

 private:
  void start(bool with_generator, ServiceConfig config);
  bool with_generator_;
  std::unique_ptr<Service> service_;
};

ServiceConfig test_config();
// Waits (up to 10 s of real time) until the job leaves queued/running; returns its JSON.
nlohmann::json wait_for_job(Client& c, const std::string& job_id);
std::string b64(const std::string& bytes);
// A small RGB PNG with a tEXt chunk carrying `text` (metadata that must not survive).
std::string png_with_text(int w, int h, const std::string& key, const std::string& text);

}  // namespace pixforge::service::testing
