// libFuzzer: arbitrary bytes as a client connection to the event-loop front end
// (service/src/event_loop_server.h). Each input is checked twice:
//  - request_framing's answer for it must be self-consistent (a complete request lies within
//    the bytes given, its body within the limit, its head within its total);
//  - sent over loopback to a live EventLoopServer (the client then shuts its side), it must be
//    answered or dropped, and the connection closed, without a crash, a sanitizer report or a
//    hang (the read below gives up after 5 s and aborts).
//   build-svc-fuzz/fuzz/fuzz_http_connection -max_total_time=300 -max_len=8192
//   build-svc-fuzz/corpus/http fuzz/corpus/http_connection
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <thread>

#include "event_loop_server.h"
#include "request_framing.h"

namespace {

using pixforge::service::http::EventLoopServer;
using pixforge::service::http::RequestFrame;

constexpr std::size_t kMaxBody = 4096;
constexpr std::size_t kMaxHead = 2048;

void check_framing(std::string_view bytes) {
  const RequestFrame f = pixforge::service::http::frame_request(bytes, kMaxBody, kMaxHead);
  using Kind = RequestFrame::Kind;
  if (f.kind == Kind::kComplete && (f.total_bytes > bytes.size() || f.head_bytes > f.total_bytes ||
                                    f.total_bytes - f.head_bytes > kMaxBody || f.head_bytes == 0))
    std::abort();
  if (f.kind != Kind::kIncomplete && f.kind != Kind::kHeadTooLarge &&
      (f.head_bytes == 0 || f.head_bytes > kMaxHead || f.head_bytes > bytes.size()))
    std::abort();
}

int live_server_port() {
  static EventLoopServer* server = [] {
    auto* s = new EventLoopServer({.min_workers = 2, .max_workers = 8, .max_head_bytes = kMaxHead});
    s->set_payload_max_length(kMaxBody);
    s->set_read_timeout(1, 0);
    s->set_write_timeout(1, 0);
    s->Get("/g", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.path, "text/plain");
    });
    s->Post("/p", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/octet-stream");
    });
    return s;
  }();
  static const int port = [] {
    const int p = server->bind_and_listen("127.0.0.1", 0);
    std::thread([] { server->serve(); }).detach();
    return p;
  }();
  return port;
}

void send_to_server(std::string_view bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(live_server_port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  char sink[16384];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) std::abort();  // the server neither answered nor closed
    if (::recv(fd, sink, sizeof sink, 0) <= 0) break;
  }
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_framing(bytes);
  send_to_server(bytes);
  return 0;
}
