#include "event_loop_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "answer_writer.h"
#include "request_head.h"

namespace pixforge::service::http {
namespace {

// A worker busy this long is treated as blocked in its handler (a synchronous generation, an
// event stream): the supervisor starts another one. Ordinary requests take well under 1 ms.
constexpr std::int64_t kSlowMs = 50;
constexpr auto kSuperviseEvery = std::chrono::milliseconds(50);
constexpr std::int64_t kSweepEveryMs = 1000;
constexpr int kAcceptBatch = 64;
constexpr std::size_t kReserveAhead = 1 << 20;
constexpr std::uint32_t kConnectionEvents = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;

// epoll user data for the two sockets that are not connections.
char listen_tag;
char wake_tag;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void address_text(const sockaddr_storage& a, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    port = ntohs(v6.sin6_port);
  } else {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    port = ntohs(v4.sin_port);
  }
  ip = text;
}

std::runtime_error system_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

// The answer to a head that does not end within the limit; the connection closes after it.
std::string head_too_large_answer(std::size_t limit) {
  const std::string body =
      R"({"error":{"code":"headers_too_large","message":"request line and headers exceed )" +
      std::to_string(limit) + R"( bytes"}})";
  return "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

EventLoopServer::EventLoopServer(Options options) : options_(options) {
  if (options_.min_workers <= 0)
    options_.min_workers = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  options_.max_workers = std::max(options_.max_workers, options_.min_workers);
}

EventLoopServer::~EventLoopServer() {
  shutdown();
  for (int fd : {listen_fd_, epoll_fd_, wake_fd_})
    if (fd >= 0) ::close(fd);
}

void EventLoopServer::route(const std::string& method, const std::string& pattern,
                            Handler handler) {
  add_library_route(*this, method, pattern, handler);
  direct_.routes.add(method, pattern, std::move(handler));
}

int EventLoopServer::bind_and_listen(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc =
          ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
      rc != 0)
    throw std::runtime_error("cannot resolve listen address " + host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
  int fd = -1;
  for (const addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  if (fd < 0) throw system_error("cannot listen on " + host + ":" + service);
  listen_fd_ = fd;
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  std::string ip;
  int bound_port = 0;
  address_text(bound, ip, bound_port);

  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw system_error("cannot create the event loop");
  epoll_event listen_ev{EPOLLIN | EPOLLEXCLUSIVE, {.ptr = &listen_tag}};
  epoll_event wake_ev{EPOLLIN, {.ptr = &wake_tag}};
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listen_ev) != 0 ||
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake_ev) != 0)
    throw system_error("cannot watch the listening socket");
  // The library's streamed answers (content providers) run while this is a valid socket.
  svr_sock_ = listen_fd_;
  return bound_port;
}

void EventLoopServer::serve() {
  if (listen_fd_ < 0) throw std::logic_error("EventLoopServer::serve before bind_and_listen");
  keep_alive_header_ = "timeout=" + std::to_string(keep_alive_timeout_sec_) +
                       ", max=" + std::to_string(keep_alive_max_count_);
  serving_ = true;
  supervise();
  serving_ = false;
}

void EventLoopServer::shutdown() {
  if (stopping_.exchange(true)) return;
  svr_sock_ = INVALID_SOCKET;  // ends streamed answers (Server-Sent Events) at their next turn
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
  { std::lock_guard lock(stop_mu_); }
  stop_cv_.notify_all();
}

StreamTimeouts EventLoopServer::timeouts() const {
  return {static_cast<int>(read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000),
          static_cast<int>(write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000)};
}

// --- workers ---------------------------------------------------------------------------------

void EventLoopServer::start_worker() {
  std::lock_guard lock(workers_mu_);
  auto worker = std::make_unique<Worker>();
  Worker* w = worker.get();
  ++workers_alive_;
  w->thread = std::thread([this, w] { work(*w); });
  workers_.push_back(std::move(worker));
}

void EventLoopServer::work(Worker& self) {
  while (!stopping_) {
    epoll_event ev{};
    const int n = ::epoll_wait(epoll_fd_, &ev, 1, 1000);
    // A second without work: extra workers (started while others were blocked) retire.
    if (n == 0 && should_retire(self)) break;
    if (n <= 0 || stopping_) continue;
    if (ev.data.ptr == &wake_tag) continue;
    if (ev.data.ptr == &listen_tag) {
      accept_connections();
      continue;
    }
    const std::int64_t started = now_ms();
    self.busy_since_ms = started;
    auto& conn = *static_cast<Connection*>(ev.data.ptr);
    try {
      serve_connection(conn, self);
    } catch (const std::exception& e) {
      // Out of memory in a receive buffer, say: this connection ends, the server goes on.
      spdlog::error("connection dropped: {}", e.what());
      close_connection(conn);
    }
    self.busy_since_ms = 0;
    if (now_ms() - started >= kSlowMs && should_retire(self)) break;
  }
  self.finished = true;
  --workers_alive_;
  stop_cv_.notify_all();
}

bool EventLoopServer::should_retire(Worker& self) {
  std::lock_guard lock(workers_mu_);
  // Decided and marked under the lock, so that idle workers never all retire at once.
  if (count_free_workers(now_ms()) <= options_.min_workers) return false;
  self.finished = true;
  return true;
}

int EventLoopServer::free_workers(std::int64_t now) const {
  std::lock_guard lock(workers_mu_);
  return count_free_workers(now);
}

int EventLoopServer::count_free_workers(std::int64_t now) const {
  int free = 0;
  for (const auto& w : workers_) {
    const std::int64_t busy = w->busy_since_ms;
    if (!w->finished && (busy == 0 || now - busy < kSlowMs)) ++free;
  }
  return free;
}

void EventLoopServer::accept_connections() {
  for (int i = 0; i < kAcceptBatch && !stopping_; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        spdlog::warn("cannot accept a connection: {}", std::strerror(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return;  // EAGAIN: none left
    }
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto conn = std::make_unique<Connection>();
    conn->fd = fd;
    address_text(peer, conn->remote_ip, conn->remote_port);
    sockaddr_storage local{};
    len = sizeof local;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
    address_text(local, conn->local_ip, conn->local_port);
    conn->last_active_ms = now_ms();
    Connection* c = conn.get();
    {
      std::lock_guard lock(connections_mu_);
      connections_.emplace(fd, std::move(conn));
    }
    epoll_event ev{kConnectionEvents, {.ptr = c}};
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) close_connection(*c);
  }
}

void EventLoopServer::serve_connection(Connection& conn, Worker&) {
  conn.in_use = true;
  conn.last_active_ms = now_ms();
  if (!conn.receive_available()) return close_connection(conn);
  while (!stopping_) {
    if (conn.unread() == 0) {
      if (conn.peer_closed) break;
      conn.partial_request = false;
      return rearm(conn);
    }
    const std::string_view pending(conn.in.data() + conn.in_pos, conn.unread());
    const RequestFrame frame = frame_request(pending, payload_max_length_, options_.max_head_bytes);
    if (frame.kind == RequestFrame::Kind::kIncomplete) {
      if (conn.peer_closed) break;
      // Room for the announced body, but never more than a little ahead of what has come: a
      // client announcing large bodies on many connections must not reserve their memory.
      if (frame.total_bytes > 0)
        conn.in.reserve(conn.in_pos + std::min(frame.total_bytes, conn.unread() + kReserveAhead));
      conn.partial_request = true;
      return rearm(conn);
    }
    if (frame.kind == RequestFrame::Kind::kHeadTooLarge) {
      const std::string answer = head_too_large_answer(options_.max_head_bytes);
      [[maybe_unused]] const ssize_t n =
          ::send(conn.fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      break;
    }
    if (!answer_one(conn, frame)) break;
    conn.compact();
    conn.last_active_ms = now_ms();
  }
  close_connection(conn);
}

bool EventLoopServer::answer_one(Connection& conn, const RequestFrame& frame) {
  using Kind = RequestFrame::Kind;
  ++conn.requests;
  const bool last =
      conn.requests >= keep_alive_max_count_ || stopping_ || frame.kind == Kind::kBodyTooLarge;
  if (frame.kind == Kind::kComplete)
    if (const std::optional<bool> keep = answer_directly(conn, frame, last)) return *keep;
  // Left to the library. A complete request is read up to its end and no further; a body too
  // large is not read at all (the library answers 413 from the head); a streamed body is
  // received as it is parsed.
  std::size_t end = 0;
  if (frame.kind == Kind::kComplete) end = conn.in_pos + frame.total_bytes;
  if (frame.kind == Kind::kBodyTooLarge) end = conn.in_pos + frame.head_bytes;
  ConnectionStream stream(conn, end, timeouts());
  bool client_closes = false;
  const bool parsed = process_request(stream, last, client_closes, nullptr);
  const bool sent = stream.flush();
  if (end != 0) conn.in_pos = end;  // a body the route did not read is skipped, not parsed
  return parsed && sent && !client_closes && !last;
}

std::optional<bool> EventLoopServer::answer_directly(Connection& conn, const RequestFrame& frame,
                                                     bool last) {
  const char* start = conn.in.data() + conn.in_pos;
  httplib::Request req;
  if (!parse_request_head({start, frame.head_bytes}, req) || !answerable_directly(req))
    return std::nullopt;
  const Handler* handler = direct_.routes.find(req);
  if (!handler) return std::nullopt;  // the library's routes, or its 404
  req.body.assign(start + frame.head_bytes, frame.total_bytes - frame.head_bytes);
  conn.in_pos += frame.total_bytes;
  req.remote_addr = conn.remote_ip;
  req.remote_port = conn.remote_port;
  req.local_addr = conn.local_ip;
  req.local_port = conn.local_port;
  // cpp-httplib's keep-alive rules.
  const std::string connection = req.get_header_value("Connection");
  bool close =
      last || connection == "close" || (req.version == "HTTP/1.0" && connection != "Keep-Alive");

  httplib::Response res;
  res.version = "HTTP/1.1";
  run_direct_handler(*handler, req, res);
  // An answer of unknown length without chunks ends with the connection.
  if (res.content_provider_ && !res.is_chunked_content_provider_ && res.content_length_ == 0)
    close = true;
  ConnectionStream stream(conn, conn.in_pos, timeouts());
  const AnswerSettings settings{close, keep_alive_header_, &stopping_};
  const bool sent = write_answer(stream, req, res, settings) && stream.flush();
  return sent && !close;
}

void EventLoopServer::run_direct_handler(const Handler& handler, httplib::Request& req,
                                         httplib::Response& res) {
  try {
    handler(req, res);
  } catch (...) {
    res = httplib::Response();
    res.status = 500;
    if (direct_.on_exception) direct_.on_exception(req, res, std::current_exception());
  }
  if (res.status == -1) res.status = 200;
  if (res.status >= 400 && direct_.on_error) direct_.on_error(req, res);
}

void EventLoopServer::rearm(Connection& conn) {
  conn.in_use = false;
  epoll_event ev{kConnectionEvents, {.ptr = &conn}};
  // After this call another worker may own the connection: it is not touched again here.
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.fd, &ev) != 0) {
    conn.in_use = true;
    close_connection(conn);
  }
}

void EventLoopServer::close_connection(Connection& conn) {
  const int fd = conn.fd;
  std::lock_guard lock(connections_mu_);
  ::close(fd);  // leaves the epoll set with it
  connections_.erase(fd);
}

// --- supervisor ------------------------------------------------------------------------------

void EventLoopServer::supervise() {
  for (int i = 0; i < options_.min_workers; ++i) start_worker();
  std::int64_t last_sweep = now_ms();
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, kSuperviseEvery);
    if (stopping_) break;
    const std::int64_t now = now_ms();
    for (int free = free_workers(now);
         free < options_.min_workers && workers_alive_ < options_.max_workers; ++free)
      start_worker();
    {
      std::lock_guard wl(workers_mu_);
      std::erase_if(workers_, [](const std::unique_ptr<Worker>& w) {
        if (!w->finished) return false;
        w->thread.join();
        return true;
      });
    }
    if (now - last_sweep >= kSweepEveryMs) {
      sweep_idle_connections(now);
      last_sweep = now;
    }
  }
  lock.unlock();
  // Requests in progress finish (their connections then close); idle ones are simply closed.
  std::vector<std::unique_ptr<Worker>> workers;
  {
    std::lock_guard wl(workers_mu_);
    workers.swap(workers_);
  }
  for (auto& w : workers) w->thread.join();
  ::close(listen_fd_);  // new connections are refused from here on
  listen_fd_ = -1;
  std::lock_guard cl(connections_mu_);
  for (auto& [fd, conn] : connections_) ::close(fd);
  connections_.clear();
}

void EventLoopServer::sweep_idle_connections(std::int64_t now) {
  const std::int64_t keep_alive_ms = keep_alive_timeout_sec_ * 1000;
  const std::int64_t read_ms = timeouts().read_ms;
  std::lock_guard lock(connections_mu_);
  for (auto& [fd, conn] : connections_) {
    if (conn->in_use || conn->shut_down) continue;
    const std::int64_t limit = conn->partial_request ? read_ms : keep_alive_ms;
    if (now - conn->last_active_ms < limit) continue;
    // Its worker-to-be sees end of stream and closes it; the connection is not freed here,
    // since an event for it may already be on its way to a worker.
    conn->shut_down = true;
    ::shutdown(fd, SHUT_RDWR);
  }
}

}  // namespace pixforge::service::http
