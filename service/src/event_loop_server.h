// The plain-HTTP front end: cpp-httplib's routing and request parsing, driven by an epoll event
// loop instead of the library's thread per connection.
//
// With the library's own loop every keep-alive connection holds a pool thread that sleeps in
// poll() between requests, so each request costs a thread wake-up and a context switch, and its
// answer goes out in two send()s each behind a poll(): on this 2-core box that was more than
// half of a job poll's CPU. Here idle connections wait in one epoll set; a few workers (the
// cores) take whichever connection has a complete request (request_framing.h), run the library's
// process_request on it through a ConnectionStream, and send the answer in one write.
//
// Handlers may block (a synchronous A1111 generation waits for its job; Server-Sent Events stream
// for minutes): a supervisor sees workers busy for longer than a moment and starts others, so
// that `min_workers` are always free to take requests, up to `max_workers`; extra workers retire
// when their slow request ends or after a second without work. The library's limits apply as set
// on the httplib::Server (payload, read/write and keep-alive timeouts, keep-alive request count).
// TLS stays on httplib::SSLServer.
//
// Most requests do not go through the library's parser and writer either: a complete request in
// the plain subset (request_head.h: GET, HEAD, POST, PUT, PATCH, DELETE, no Range, no form
// body) is parsed, routed (route_table.h) and answered (answer_writer.h) here, with the same
// handlers and the same answers; the rest (multipart uploads, form bodies, streamed bodies,
// ranges, anything unusual) is left to process_request. The library's per-header formatting, iostreams and
// regex-per-route routing were a fifth of a job poll's CPU.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "connection_stream.h"
#include "request_framing.h"
#include "route_table.h"

namespace pixforge::service::http {

struct EventLoopOptions {
  int min_workers = 0;    // free workers kept ready; 0: the number of cores (at least 2)
  int max_workers = 256;  // blocked handlers (SSE, synchronous generations) included
  std::size_t max_head_bytes = 64 * 1024;
};

class EventLoopServer : public httplib::Server {
 public:
  using Options = EventLoopOptions;
  explicit EventLoopServer(Options options = {});
  ~EventLoopServer() override;
  EventLoopServer(const EventLoopServer&) = delete;
  EventLoopServer& operator=(const EventLoopServer&) = delete;

  // Listens on host:port (port 0: any free port). Returns the port; throws on failure.
  int bind_and_listen(const std::string& host, int port);
  // Serves until shutdown(); runs the supervisor on the calling thread.
  void serve();
  // Stops accepting, ends idle connections, lets requests in progress finish, and makes
  // serve() return. Safe from any thread, more than once.
  void shutdown();
  bool serving() const { return serving_; }

  // For tests: workers started so far, now alive.
  int workers_alive() const { return workers_alive_; }

  // Registers a route with both answer paths: the event loop's own and the library's (which
  // answers the requests left to it). Routes added with the library's Get/Post/... alone are
  // answered by the library only.
  void route(const std::string& method, const std::string& pattern, Handler handler);
  // The error and exception handlers of the direct answers, as the library's (set these too).
  struct DirectAnswers {
    RouteTable routes;
    Handler on_error;               // as httplib's error handler: any status >= 400
    ExceptionHandler on_exception;  // as httplib's exception handler
  };
  DirectAnswers& direct_answers() { return direct_; }

 private:
  struct Worker {
    std::thread thread;
    std::atomic<std::int64_t> busy_since_ms{0};  // 0: waiting for work
    std::atomic<bool> finished{false};
  };

  void start_worker();
  void work(Worker& self);
  void accept_connections();
  void serve_connection(Connection& conn, Worker& self);
  bool answer_one(Connection& conn, const RequestFrame& frame);
  // Answers a complete request in the plain subset; nullopt leaves it to the library. Otherwise
  // whether the connection stays open.
  std::optional<bool> answer_directly(Connection& conn, const RequestFrame& frame, bool last);
  void run_direct_handler(const Handler& handler, httplib::Request& req, httplib::Response& res);
  void rearm(Connection& conn);
  void close_connection(Connection& conn);
  void supervise();
  void sweep_idle_connections(std::int64_t now_ms);
  bool should_retire(Worker& self);
  int free_workers(std::int64_t now_ms) const;
  int count_free_workers(std::int64_t now_ms) const;  // workers_mu_ held
  StreamTimeouts timeouts() const;

  Options options_;
  DirectAnswers direct_;
  std::string keep_alive_header_;  // "timeout=5, max=1000", set when serving starts
  int epoll_fd_ = -1;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd: readable once shutdown() is called, wakes every worker
  std::atomic<bool> stopping_{false};
  std::atomic<bool> serving_{false};
  std::atomic<int> workers_alive_{0};

  mutable std::mutex workers_mu_;
  std::vector<std::unique_ptr<Worker>> workers_;

  std::mutex connections_mu_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
};

}  // namespace pixforge::service::http
