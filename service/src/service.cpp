// Service wiring: data directory, keys, store, worker, sweeper, HTTP server.
#include "pixforge/service/service.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "app_state.h"
#include "event_loop_server.h"
#include "http.h"
#include "job_runner.h"
#include "notice.h"
#include "pixforge/service/data_dir.h"
#include "prompt_safety.h"
#include "retention.h"

namespace pixforge::service {

namespace {

http::Router all_routes() {
  http::Router r;
  http::add_consent_routes(r);
  http::add_account_routes(r);
  http::add_key_routes(r);
  http::add_job_routes(r);
  http::add_rights_routes(r);
  http::add_openai_routes(r);
  http::add_a1111_routes(r);
  http::add_admin_routes(r);
  http::add_moderation_routes(r);
  http::add_showcase_routes(r);
  http::add_web_routes(r);
  return r;
}

void open_data(Service::State& s) {
  DataDir d = open_data_dir(s.config.server);
  s.master = d.master;
  s.token_key = d.token_key;
  s.audit_key = d.audit_key;
  s.store = std::move(d.store);
  s.blobs = std::move(d.blobs);
  s.vault = std::move(d.vault);
}

}  // namespace

// The HTTP side of a Service, kept out of app_state.h so that only this file and the route
// files see httplib.
struct ServerHolder {
  std::unique_ptr<httplib::Server> server;
  http::EventLoopServer* event_loop = nullptr;  // `server`, when plain HTTP (not TLS)
  http::Router routes;
  std::thread http_thread;
  std::thread sweeper;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  int port = 0;
  int listen_fd = -1;  // the listening socket, seen as httplib creates it
};

Service::Service(ServiceOptions options) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.config = std::move(options.config);
  if (options.clock) {
    s.clock = options.clock;
  } else {
    s.own_clock = std::make_unique<SystemClock>();
    s.clock = s.own_clock.get();
  }
  s.generator = std::move(options.generator);
  s.moderator = std::move(options.moderator);
  // P9: no generated image is stored unscored unless the operator said so in the config.
  if (s.generator && !s.moderator && s.config.moderation.enabled)
    throw std::invalid_argument(
        "output moderation is enabled but no image moderator was given: load the classifier, "
        "or set [moderation] enabled = false to serve unscored images");
  s.safety = std::make_shared<const PromptSafety>(s.config.safety);
  s.privacy_body =
      policy_json(s.config).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  s.notice_html = render_notice_html(s.config);
  open_data(s);
  // After a crash or kill: the interrupted job goes back to the queue; files written without
  // their row are removed; then the retention periods are enforced before serving anything.
  if (int n = s.store->recover_interrupted_jobs(true))
    spdlog::info("requeued {} interrupted job(s)", n);
  if (int n = remove_orphan_files(s)) spdlog::info("removed {} orphaned file(s)", n);
  sweep(s);
  auto holder = std::make_unique<ServerHolder>();
  holder->routes = all_routes();
  if (!s.config.server.tls_cert.empty()) {
    holder->server = std::make_unique<httplib::SSLServer>(s.config.server.tls_cert.c_str(),
                                                          s.config.server.tls_key.c_str());
    if (!holder->server->is_valid())
      throw std::runtime_error("cannot load TLS certificate/key (server.tls_cert, server.tls_key)");
    s.tls = true;
  } else {
    auto plain = std::make_unique<http::EventLoopServer>();
    holder->event_loop = plain.get();
    holder->server = std::move(plain);
  }
  http::install(*holder->server, s, holder->routes);
  ServerHolder* held = holder.get();
  holder->server->set_socket_options([held](socket_t sock) {
    httplib::default_socket_options(sock);
    held->listen_fd = sock;
  });
  if (s.generator && options.start_worker) {
    s.runner = std::make_unique<JobRunner>(s);
    s.runner->start();
  }
  if (options.start_sweeper) {
    ServerHolder* h = holder.get();
    State* st = &s;
    h->sweeper = std::thread([h, st] {
      std::unique_lock lock(h->mu);
      while (!h->cv.wait_for(lock, std::chrono::seconds(st->config.server.sweep_interval_s),
                             [h] { return h->stopping; })) {
        lock.unlock();
        try {
          sweep(*st);
        } catch (const std::exception& e) {
          spdlog::error("retention sweep failed: {}", e.what());
        }
        lock.lock();
      }
    });
  }
  s.http = std::move(holder);
}

Service::~Service() { stop(); }

int Service::start() {
  ServerHolder& h = *state_->http;
  const auto& srv = state_->config.server;
  if (h.event_loop) {
    h.port = h.event_loop->bind_and_listen(srv.listen, srv.port);
    h.http_thread = std::thread([&h] { h.event_loop->serve(); });
    return h.port;
  }
  if (srv.port == 0) {
    h.port = h.server->bind_to_any_port(srv.listen);
  } else if (h.server->bind_to_port(srv.listen, srv.port)) {
    h.port = srv.port;
  } else {
    h.port = -1;
  }
  if (h.port <= 0)
    throw std::runtime_error("cannot listen on " + srv.listen + ":" + std::to_string(srv.port));
  // The library listens with a backlog of 5 (compiled into Debian's libcpp-httplib): a burst of
  // new connections overflows it and the clients' SYNs are retried after a second or more.
  // Listening again on a listening socket only resizes its queue (Linux).
  if (h.listen_fd >= 0 && ::listen(h.listen_fd, SOMAXCONN) != 0)
    spdlog::warn("could not enlarge the listen backlog: {}", std::strerror(errno));
  h.http_thread = std::thread([&h] { h.server->listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs: wait for it, so that a stop()
  // right after start() cannot leave the loop running forever.
  for (int i = 0; i < 5000 && !h.server->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return h.port;
}

void Service::run() {
  ServerHolder& h = *state_->http;
  if (h.port == 0) start();
  std::unique_lock lock(h.mu);
  h.cv.wait(lock, [&h] { return h.stopping; });
}

void Service::stop() {
  if (!state_ || !state_->http) return;
  ServerHolder& h = *state_->http;
  {
    std::lock_guard lock(h.mu);
    if (h.stopping && !h.http_thread.joinable() && !h.sweeper.joinable()) return;
    h.stopping = true;
  }
  h.cv.notify_all();
  state_->events.wake_all();
  if (state_->runner) state_->runner->stop();
  if (h.event_loop)
    h.event_loop->shutdown();
  else
    h.server->stop();
  if (h.http_thread.joinable()) h.http_thread.join();
  if (h.sweeper.joinable()) h.sweeper.join();
}

int Service::port() const { return state_->http->port; }
bool Service::tls() const { return state_->tls; }
int Service::sweep_now() { return sweep(*state_).total(); }
Service::State& Service::state() { return *state_; }
Store& Service::store() { return *state_->store; }
BlobStore& Service::blobs() { return *state_->blobs; }
Vault& Service::vault() { return *state_->vault; }
const Key& Service::audit_key() const { return state_->audit_key; }

}  // namespace pixforge::service
