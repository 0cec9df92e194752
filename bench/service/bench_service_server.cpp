// The service with a generator that takes no model time, for bench/service/run.sh. It is the
// same Service (routes, store, encryption, queue, SSE) as `pixforge serve`; only the Generator
// differs: it reports its first progress step at once and returns. This generator exists only
// in this benchmark program.
//
//   bench_service_server serve [--config FILE] [--data-dir DIR] [--listen HOST] [--port N]
//       serves like `pixforge serve` (wrk measures GET /api/v1/jobs/{id} without a model).
//   bench_service_server overhead --data-dir DIR [--jobs N]
//       the service's own overhead per generation, in process, one job at a time, over HTTP on
//       loopback: POST /api/v1/generate sent -> the job's first progress event published by
//       the worker (everything the service does: auth, consent, validation, quota, sealing,
//       SQLite, queue hand-off, claim, unsealing), and 202 received -> that event read from the
//       job's SSE stream as a browser would (opened after the 202).
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "pixforge/service/config.h"
#include "pixforge/service/service.h"

namespace {

using namespace pixforge::service;
using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Reports step 1 at once and returns. With hold_after_progress (overhead mode) it records when
// its first progress event was published and waits (up to 5 s) until the bench has read that
// event from the SSE stream, so that the job is still running when the reader connects.
class FirstProgressGenerator final : public Generator {
 public:
  explicit FirstProgressGenerator(bool hold_after_progress) : hold_(hold_after_progress) {}
  std::string model_name() const override { return "bench-instant"; }
  std::vector<std::string> samplers() const override { return {"euler", "euler_a"}; }
  bool supports_img2img() const override { return true; }
  std::vector<Image> run(const GenerationParams& p,
                         const std::function<void(const Progress&)>& progress,
                         const std::atomic<bool>& cancel) override {
    progress(Progress{1, p.steps, std::nullopt});
    if (hold_) {
      std::unique_lock lock(mu_);
      published_ = Clock::now();
      cv_.notify_all();
      cv_.wait_for(lock, std::chrono::seconds(5), [&] { return released_ || cancel.load(); });
      released_ = false;
    }
    std::vector<Image> out;
    for (int b = 0; b < p.batch; ++b)
      out.push_back(
          Image{p.width, p.height, 3,
                std::vector<std::uint8_t>(static_cast<std::size_t>(p.width) * p.height * 3, 128)});
    return out;
  }
  // The time the last job published its first progress event (waits up to 5 s for it).
  Clock::time_point published_after(Clock::time_point t0) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(5), [&] { return published_ > t0; });
    return published_;
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  bool hold_;
  std::mutex mu_;
  std::condition_variable cv_;
  Clock::time_point published_{};
  bool released_ = false;
};

struct Args {
  std::string mode = "serve";
  std::string config, data_dir, listen;
  int port = -1;
  int jobs = 200;
};

Args parse(int argc, char** argv) {
  Args a;
  int i = 1;
  if (argc > 1 && argv[1][0] != '-') a.mode = argv[i++];
  if (a.mode != "serve" && a.mode != "overhead")
    throw std::runtime_error("unknown mode '" + a.mode + "' (serve, overhead)");
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) throw std::runtime_error("missing value after " + arg);
    const std::string value = argv[++i];
    if (arg == "--config")
      a.config = value;
    else if (arg == "--data-dir")
      a.data_dir = value;
    else if (arg == "--listen")
      a.listen = value;
    else if (arg == "--port")
      a.port = std::stoi(value);
    else if (arg == "--jobs")
      a.jobs = std::stoi(value);
    else
      throw std::runtime_error("unknown option " + arg);
  }
  return a;
}

int serve(const Args& args) {
  ServiceOptions o;
  o.config = args.config.empty() ? ServiceConfig{} : load_config(args.config);
  if (!args.data_dir.empty()) o.config.server.data_dir = args.data_dir;
  if (!args.listen.empty()) o.config.server.listen = args.listen;
  if (args.port >= 0) o.config.server.port = args.port;
  o.generator = std::make_unique<FirstProgressGenerator>(false);
  // The bench measures the service alone: output scoring (P9) is model time, like generation.
  o.config.moderation.enabled = false;
  const ServerSettings server = o.config.server;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  Service svc(std::move(o));
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    svc.stop();
  });
  const int port = svc.start();
  std::fprintf(stderr, "bench_service_server: listening on %s://%s:%d (instant generator)\n",
               svc.tls() ? "https" : "http", server.listen.c_str(), port);
  svc.run();
  waiter.join();
  return 0;
}

struct Stats {
  std::vector<double> v;
  void print(const char* what) {
    std::sort(v.begin(), v.end());
    auto at = [&](double p) {
      const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size()));
      return v[std::min(v.size() - 1, i)];
    };
    std::printf("%-48s median %6.2f ms  p95 %6.2f ms  max %6.2f ms\n", what, at(0.5), at(0.95),
                v.back());
  }
};

int overhead(const Args& args) {
  if (args.data_dir.empty())
    throw std::runtime_error("overhead needs --data-dir (a fresh directory)");
  ServiceOptions o;
  o.config.server.data_dir = args.data_dir;
  o.config.server.port = 0;
  o.config.server.sweep_interval_s = 3600;
  o.config.limits.daily_quota_images = 1'000'000;
  o.config.limits.ip_burst = 1e9;
  auto gen = std::make_unique<FirstProgressGenerator>(true);
  FirstProgressGenerator* g = gen.get();
  o.generator = std::move(gen);
  o.config.moderation.enabled = false;  // service overhead only, no classifier (see serve())
  Service svc(std::move(o));
  const int port = svc.start();

  httplib::Client c("127.0.0.1", port);
  c.set_tcp_nodelay(true);
  c.set_keep_alive(true);  // a browser keeps its connection: the POSTs reuse one
  const auto privacy = nlohmann::json::parse(c.Get("/api/v1/privacy")->body);
  const nlohmann::json consent = {
      {"agree", true}, {"age_confirmed", true}, {"notice_version", privacy["notice"]["version"]}};
  auto r = c.Post("/api/v1/consent", consent.dump(), "application/json");
  if (!r || r->status != 201) throw std::runtime_error("consent failed");
  const std::string set_cookie = r->get_header_value("Set-Cookie");
  const httplib::Headers headers = {
      {"Cookie", set_cookie.substr(0, set_cookie.find(';'))},
      {"X-CSRF-Token", nlohmann::json::parse(r->body)["csrf_token"].get<std::string>()}};
  const std::string body =
      R"({"prompt": "benchmark", "width": 64, "height": 64, "steps": 1, "seed": 1})";

  Stats request, published, seen;
  for (int i = 0; i <= args.jobs; ++i) {
    const auto t0 = Clock::now();
    auto res = c.Post("/api/v1/generate", headers, body, "application/json");
    const auto accepted = Clock::now();
    if (!res || res->status != 202) throw std::runtime_error("POST /api/v1/generate failed");
    const std::string id = nlohmann::json::parse(res->body)["id"];
    const auto at = g->published_after(t0);
    Clock::time_point read_at{};
    httplib::Client sse("127.0.0.1", port);
    sse.set_tcp_nodelay(true);
    std::string stream;
    sse.Get(("/api/v1/jobs/" + id + "/events").c_str(), headers,
            [&](const char* data, std::size_t n) {
              stream.append(data, n);
              if (stream.find(R"("type":"progress")") == std::string::npos) return true;
              read_at = Clock::now();
              return false;  // seen: hang up
            });
    g->release();
    if (read_at == Clock::time_point{}) throw std::runtime_error("no progress event on the stream");
    while (true) {  // one job at a time, as a person watching one generation
      auto job = svc.store().find_job(id);
      if (job && job->state != "queued" && job->state != "running") break;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (i == 0) continue;  // warm-up: first SQLite statements, first connection
    request.v.push_back(ms_between(t0, accepted));
    published.v.push_back(ms_between(t0, at));
    seen.v.push_back(ms_between(accepted, read_at));
  }
  std::printf("service overhead per generation, %d jobs one at a time (model time excluded):\n",
              args.jobs);
  request.print("POST /api/v1/generate sent -> 202 received");
  published.print("POST sent -> first progress event published");
  seen.print("202 received -> progress read on SSE (new conn)");
  svc.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args args = parse(argc, argv);
    return args.mode == "serve" ? serve(args) : overhead(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_service_server: %s\n", e.what());
    return 1;
  }
}
