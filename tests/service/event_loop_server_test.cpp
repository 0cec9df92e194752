// The plain-HTTP front end (service/src/event_loop_server.h) speaking to raw sockets: keep-alive,
// pipelining, requests arriving in pieces, streamed bodies and answers, limits, blocked
// handlers, idle timeouts and shutdown. The whole service runs on it too (the other API tests).
#include "../../service/src/event_loop_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pixforge::service::http {
namespace {

using namespace std::chrono_literals;

struct Answer {
  int status = 0;
  std::string head;
  std::string body;
  bool has(const std::string& header_line) const {
    return head.find("\r\n" + header_line + "\r\n") != std::string::npos;
  }
};

// A client that writes exactly the bytes a test gives it and reads answers off the socket.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};  // a server that never answers fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send(const std::string& bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  void shut_write() { ::shutdown(fd_, SHUT_WR); }

  // An answer's status line and headers.
  Answer read_head() {
    Answer a;
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return a;
    a.head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    a.status = std::stoi(a.head.substr(9, 3));
    return a;
  }
  // One answer: the head, then a Content-Length or chunked body.
  Answer read_answer() {
    Answer a = read_head();
    if (a.status == 0) return a;
    const auto cl = a.head.find("Content-Length: ");
    if (cl != std::string::npos) {
      const std::size_t n = std::stoul(a.head.substr(cl + 16));
      while (buf_.size() < n)
        if (!fill()) return a;
      a.body = buf_.substr(0, n);
      buf_.erase(0, n);
    } else if (a.has("Transfer-Encoding: chunked")) {
      a.body = read_chunks(SIZE_MAX);
    }
    return a;
  }
  // Chunked body data until `want` bytes have come or the last chunk.
  std::string read_chunks(std::size_t want) {
    std::string body;
    while (body.size() < want) {
      std::size_t eol;
      while ((eol = buf_.find("\r\n")) == std::string::npos)
        if (!fill()) return body;
      const std::size_t n = std::stoul(buf_.substr(0, eol), nullptr, 16);
      while (buf_.size() < eol + 2 + n + 2)
        if (!fill()) return body;
      body += buf_.substr(eol + 2, n);
      buf_.erase(0, eol + 2 + n + 2);
      if (n == 0) break;
    }
    return body;
  }
  // True when the server closed the connection (end of stream) within `timeout`; whatever it
  // sent before is read and dropped.
  bool closed_by_server(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char chunk[4096];
      if (::recv(fd_, chunk, sizeof chunk, 0) <= 0) return true;
    }
  }
  std::string& buffered() { return buf_; }

 private:
  bool fill() {
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}
std::string post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// A released-or-not gate handlers wait on.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;
  void release() {
    std::lock_guard l(mu);
    open = true;
    cv.notify_all();
  }
  bool wait(std::chrono::milliseconds limit) {
    std::unique_lock l(mu);
    ++waiting;
    cv.notify_all();
    return cv.wait_for(l, limit, [&] { return open; });
  }
  bool wait_for_waiters(int n, std::chrono::milliseconds limit) {
    std::unique_lock l(mu);
    return cv.wait_for(l, limit, [&] { return waiting >= n; });
  }
};

// A test's routes, on the library's router alone (the library parses and answers every
// request) or through EventLoopServer::route (requests in the plain subset are parsed, routed and
// answered by the event loop itself). Every test runs both ways.
class TestRoutes {
 public:
  TestRoutes(EventLoopServer& server, bool direct) : server_(server), direct_(direct) {}
  void get(const std::string& pattern, httplib::Server::Handler h) { add("GET", pattern, h); }
  void post(const std::string& pattern, httplib::Server::Handler h) { add("POST", pattern, h); }
  EventLoopServer& server() { return server_; }

 private:
  void add(const std::string& method, const std::string& pattern, httplib::Server::Handler h) {
    if (direct_)
      server_.route(method, pattern, std::move(h));
    else if (method == "GET")
      server_.Get(pattern, std::move(h));
    else
      server_.Post(pattern, std::move(h));
  }
  EventLoopServer& server_;
  bool direct_;
};

class LoopServer {
 public:
  LoopServer(bool direct, EventLoopOptions options, const std::function<void(TestRoutes&)>& routes)
      : server_(options) {
    server_.set_keep_alive_max_count(1000);  // the service's setting (the library's default is 5)
    TestRoutes r(server_, direct);
    r.get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("hello", "text/plain");
    });
    r.post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/octet-stream");
    });
    r.get("/peer", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.remote_addr, "text/plain");
    });
    routes(r);
    port_ = server_.bind_and_listen("127.0.0.1", 0);
    thread_ = std::thread([this] { server_.serve(); });
  }
  ~LoopServer() { stop(); }
  void stop() {
    server_.shutdown();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  EventLoopServer& server() { return server_; }

 private:
  EventLoopServer server_;
  int port_ = 0;
  std::thread thread_;
};

void no_routes(TestRoutes&) {}

// Parameter: whether the routes are the event loop's own (direct answers) or the library's.
class EventLoopServerTest : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(AnswerPaths, EventLoopServerTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "Direct" : "Library";
                         });

TEST_P(EventLoopServerTest, KeepAliveAnswersManyRequestsOnOneConnection) {
  LoopServer s(GetParam(), {}, no_routes);
  RawClient c(s.port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 200; ++i) {
    c.send(get("/hello"));
    const Answer a = c.read_answer();
    ASSERT_EQ(a.status, 200) << i;
    ASSERT_EQ(a.body, "hello") << i;
  }
}

TEST_P(EventLoopServerTest, PipelinedRequestsAreAnsweredInOrder) {
  LoopServer s(GetParam(), {}, no_routes);
  RawClient c(s.port());
  c.send(get("/hello") + post("/echo", "first body") + get("/missing") + post("/echo", "2nd"));
  EXPECT_EQ(c.read_answer().body, "hello");
  EXPECT_EQ(c.read_answer().body, "first body");
  EXPECT_EQ(c.read_answer().status, 404);
  EXPECT_EQ(c.read_answer().body, "2nd");
}

TEST_P(EventLoopServerTest, BodyOfARouteThatDoesNotReadItIsSkippedNotParsed) {
  LoopServer s(GetParam(), {}, no_routes);
  RawClient c(s.port());
  // A GET carrying a body that looks like a request: it must not be answered as one.
  const std::string smuggled = get("/missing");
  c.send("GET /hello HTTP/1.1\r\nContent-Length: " + std::to_string(smuggled.size()) + "\r\n\r\n" +
         smuggled + get("/peer"));
  EXPECT_EQ(c.read_answer().body, "hello");
  const Answer next = c.read_answer();
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "127.0.0.1");
}

TEST_P(EventLoopServerTest, SlowClientsSendingInPiecesHoldNoWorker) {
  // One worker only: if a partial request held it, the second client would never be answered.
  LoopServer s(GetParam(), {.min_workers = 1, .max_workers = 1}, no_routes);
  RawClient slow(s.port());
  const std::string request = post("/echo", std::string(3000, 'z'));
  slow.send(request.substr(0, 10));
  std::this_thread::sleep_for(50ms);
  RawClient fast(s.port());
  fast.send(get("/hello"));
  EXPECT_EQ(fast.read_answer().body, "hello");
  for (std::size_t i = 10; i < request.size(); i += 97) {
    slow.send(request.substr(i, 97));
    if (i < 400) std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(slow.read_answer().body, std::string(3000, 'z'));
}

TEST_P(EventLoopServerTest, ChunkedRequestBodyIsReadAsItArrives) {
  LoopServer s(GetParam(), {}, no_routes);
  RawClient c(s.port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
  std::this_thread::sleep_for(50ms);
  c.send("6\r\n world\r\n0\r\n\r\n" + get("/hello"));
  EXPECT_EQ(c.read_answer().body, "hello world");
  EXPECT_EQ(c.read_answer().body, "hello");
}

TEST_P(EventLoopServerTest, ExpectContinueGetsAnInterimAnswerBeforeTheBody) {
  LoopServer s(GetParam(), {}, no_routes);
  RawClient c(s.port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  const Answer interim = c.read_answer();
  EXPECT_EQ(interim.status, 100);
  c.send("data");
  const Answer a = c.read_answer();
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "data");
}

TEST_P(EventLoopServerTest, BodyOverTheLimitIsRefusedFromTheHeadAndTheConnectionCloses) {
  LoopServer s(GetParam(), {}, [](TestRoutes& svr) { svr.server().set_payload_max_length(1000); });
  RawClient c(s.port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 50000\r\n\r\n");
  const Answer a = c.read_answer();
  EXPECT_EQ(a.status, 413);
  EXPECT_TRUE(a.has("Connection: close"));
  EXPECT_TRUE(c.closed_by_server(5s));
}

TEST_P(EventLoopServerTest, HeadOverTheLimitIsRefusedWith431) {
  LoopServer s(GetParam(), {.max_head_bytes = 4096}, no_routes);
  RawClient c(s.port());
  c.send("GET /hello HTTP/1.1\r\nX-Pad: " + std::string(5000, 'a'));
  const Answer a = c.read_answer();
  EXPECT_EQ(a.status, 431);
  EXPECT_NE(a.body.find("headers_too_large"), std::string::npos);
  EXPECT_TRUE(c.closed_by_server(5s));
}

TEST_P(EventLoopServerTest, LargeAnswerReachesASlowReaderWhole) {
  std::string big(6 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
  LoopServer s(GetParam(), {}, [&big](TestRoutes& svr) {
    svr.get("/big", [&big](const httplib::Request&, httplib::Response& res) {
      res.set_content(big, "application/octet-stream");
    });
  });
  RawClient c(s.port());
  c.send(get("/big"));
  std::this_thread::sleep_for(200ms);  // the socket buffers fill; the server must wait, not fail
  const Answer a = c.read_answer();
  EXPECT_EQ(a.status, 200);
  EXPECT_TRUE(a.body == big) << "got " << a.body.size() << " bytes";
}

TEST_P(EventLoopServerTest, StreamedAnswerIsSentWriteByWrite) {
  Gate first_seen;
  LoopServer s(GetParam(), {}, [&first_seen](TestRoutes& svr) {
    svr.get("/events", [&first_seen](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider(
          "text/event-stream", [&first_seen](std::size_t, httplib::DataSink& sink) {
            sink.write("data: 1\n\n", 9);
            // Waits until the client has read the first event: a server that held it back
            // until the answer ended would make this time out.
            const std::string last = first_seen.wait(5s) ? "data: 2\n\n" : "late";
            sink.write(last.data(), last.size());
            sink.done();
            return true;
          });
    });
  });
  RawClient c(s.port());
  c.send(get("/events"));
  EXPECT_EQ(c.read_head().status, 200);
  EXPECT_EQ(c.read_chunks(9), "data: 1\n\n");
  first_seen.release();
  EXPECT_EQ(c.read_chunks(SIZE_MAX), "data: 2\n\n");
}

TEST_P(EventLoopServerTest, BlockedHandlersDoNotStarveOtherRequests) {
  Gate gate;
  LoopServer s(GetParam(), {.min_workers = 2, .max_workers = 16}, [&gate](TestRoutes& svr) {
    svr.get("/block", [&gate](const httplib::Request&, httplib::Response& res) {
      res.set_content(gate.wait(20s) ? "released" : "timed out", "text/plain");
    });
  });
  std::vector<std::unique_ptr<RawClient>> blocked;
  for (int i = 0; i < 5; ++i) {
    blocked.push_back(std::make_unique<RawClient>(s.port()));
    blocked.back()->send(get("/block"));
  }
  ASSERT_TRUE(gate.wait_for_waiters(5, 10s)) << "five handlers blocked at once";
  RawClient fast(s.port());
  fast.send(get("/hello"));
  EXPECT_EQ(fast.read_answer().body, "hello");
  // Five blocked, and the supervisor keeps two free (it looks every 50 ms).
  for (int i = 0; i < 40 && s.server().workers_alive() < 7; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_GE(s.server().workers_alive(), 7);
  gate.release();
  for (auto& c : blocked) EXPECT_EQ(c->read_answer().body, "released");
}

TEST_P(EventLoopServerTest, WorkersStartedForBlockedHandlersRetireAfterwards) {
  Gate gate;
  LoopServer s(GetParam(), {.min_workers = 2, .max_workers = 16}, [&gate](TestRoutes& svr) {
    svr.get("/block", [&gate](const httplib::Request&, httplib::Response& res) {
      res.set_content(gate.wait(20s) ? "released" : "timed out", "text/plain");
    });
  });
  std::vector<std::unique_ptr<RawClient>> blocked;
  for (int i = 0; i < 4; ++i) {
    blocked.push_back(std::make_unique<RawClient>(s.port()));
    blocked.back()->send(get("/block"));
  }
  ASSERT_TRUE(gate.wait_for_waiters(4, 10s));
  gate.release();
  for (auto& c : blocked) EXPECT_EQ(c->read_answer().body, "released");
  int alive = s.server().workers_alive();
  for (int i = 0; i < 100 && alive > 2; ++i) {
    std::this_thread::sleep_for(50ms);
    alive = s.server().workers_alive();
  }
  EXPECT_EQ(alive, 2);
}

TEST_P(EventLoopServerTest, IdleKeepAliveConnectionIsClosedAfterTheTimeout) {
  LoopServer s(GetParam(), {}, [](TestRoutes& svr) { svr.server().set_keep_alive_timeout(1); });
  RawClient c(s.port());
  c.send(get("/hello"));
  EXPECT_EQ(c.read_answer().body, "hello");
  EXPECT_FALSE(c.closed_by_server(300ms));
  EXPECT_TRUE(c.closed_by_server(4s));
}

TEST_P(EventLoopServerTest, PartialRequestIsDroppedAfterTheReadTimeout) {
  LoopServer s(GetParam(), {}, [](TestRoutes& svr) { svr.server().set_read_timeout(1, 0); });
  RawClient c(s.port());
  c.send("GET /hello HTTP/1.1\r\nHo");
  EXPECT_TRUE(c.closed_by_server(4s));
}

TEST_P(EventLoopServerTest, ConnectionCloseAndHttp10AreHonoured) {
  LoopServer s(GetParam(), {}, no_routes);
  RawClient a(s.port());
  a.send(get("/hello", "Connection: close\r\n"));
  const Answer closing = a.read_answer();
  EXPECT_EQ(closing.body, "hello");
  EXPECT_TRUE(closing.has("Connection: close"));
  EXPECT_TRUE(a.closed_by_server(5s));
  RawClient b(s.port());
  b.send("GET /hello HTTP/1.0\r\n\r\n");
  EXPECT_EQ(b.read_answer().body, "hello");
  EXPECT_TRUE(b.closed_by_server(5s));
}

TEST_P(EventLoopServerTest, KeepAliveRequestCountIsHonoured) {
  LoopServer s(GetParam(), {}, [](TestRoutes& svr) { svr.server().set_keep_alive_max_count(3); });
  RawClient c(s.port());
  for (int i = 0; i < 3; ++i) {
    c.send(get("/hello"));
    const Answer a = c.read_answer();
    EXPECT_EQ(a.body, "hello");
    EXPECT_EQ(a.has("Connection: close"), i == 2) << i;
  }
  EXPECT_TRUE(c.closed_by_server(5s));
}

TEST_P(EventLoopServerTest, ClientThatShutsItsSideStillGetsItsAnswers) {
  LoopServer s(GetParam(), {}, no_routes);
  RawClient c(s.port());
  c.send(get("/hello") + get("/peer"));
  c.shut_write();
  EXPECT_EQ(c.read_answer().body, "hello");
  EXPECT_EQ(c.read_answer().body, "127.0.0.1");
  EXPECT_TRUE(c.closed_by_server(5s));
}

TEST_P(EventLoopServerTest, GarbageGetsA400) {
  LoopServer s(GetParam(), {}, no_routes);
  RawClient c(s.port());
  c.send("NONSENSE\r\n\r\n");
  EXPECT_EQ(c.read_answer().status, 400);
}

TEST_P(EventLoopServerTest, ShutdownEndsStreamsAndIdleConnections) {
  auto s = std::make_unique<LoopServer>(GetParam(), EventLoopOptions{}, [](TestRoutes& svr) {
    svr.get("/forever", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/event-stream",
                                       [](std::size_t, httplib::DataSink& sink) {
                                         std::this_thread::sleep_for(20ms);
                                         return sink.write(": keep-alive\n\n", 14);
                                       });
    });
  });
  RawClient idle(s->port());
  idle.send(get("/hello"));
  EXPECT_EQ(idle.read_answer().body, "hello");
  RawClient stream(s->port());
  stream.send(get("/forever"));
  EXPECT_EQ(stream.read_head().status, 200);
  EXPECT_FALSE(stream.read_chunks(14).empty());
  const auto t0 = std::chrono::steady_clock::now();
  s->stop();  // returns only once serve() has
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(idle.closed_by_server(1s));
  EXPECT_TRUE(stream.closed_by_server(1s));
  RawClient late(s->port());
  EXPECT_FALSE(late.connected());
}

}  // namespace
}  // namespace pixforge::service::http
