// One keep-alive client connection of the event loop (event_loop_server.h) and the
// httplib::Stream a request on it is parsed from and answered through.
//
// Reads come from bytes the loop has already received (the whole request, see
// request_framing.h), so parsing never waits on the network; only a streamed body (chunked,
// Expect: 100-continue) waits, up to the read timeout. Writes are gathered and sent at once when
// the request is done: the answer to a small JSON GET is one send() of head and body together
// (the library alone sends them apart, each after a poll()). A streamed answer (no
// Content-Length: Server-Sent Events, chunked providers) is sent write by write instead.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace pixforge::service::http {

struct Connection {
  int fd = -1;
  std::string remote_ip;
  int remote_port = 0;
  std::string local_ip;
  int local_port = 0;
  std::string in;  // received bytes not yet consumed, from `in_pos`
  std::size_t in_pos = 0;
  bool peer_closed = false;  // the client shut its side (it may still await answers)
  std::size_t requests = 0;  // answered on this connection
  // Milliseconds on the steady clock of the last read or answer, for the idle sweep.
  std::atomic<std::int64_t> last_active_ms{0};
  std::atomic<bool> in_use{false};     // a worker holds it (not armed in epoll)
  std::atomic<bool> shut_down{false};  // the sweep or a stop already called shutdown(2)
  // Part of a request has arrived (set before the connection is armed again): the idle sweep
  // then allows the read timeout instead of the keep-alive timeout.
  std::atomic<bool> partial_request{false};

  std::size_t unread() const { return in.size() - in_pos; }
  // Drops consumed bytes once they dominate the buffer (keeps pipelined requests).
  void compact();
  // Reads what the socket holds now, without waiting. False on a hard error; EOF sets
  // peer_closed.
  bool receive_available();
};

struct StreamTimeouts {
  int read_ms = 5000;
  int write_ms = 5000;
};

class ConnectionStream final : public httplib::Stream {
 public:
  // `visible_end`: where in conn.in this request ends (a complete request); 0 for a streamed
  // body, whose bytes are received as the parser asks for them.
  ConnectionStream(Connection& conn, std::size_t visible_end, StreamTimeouts timeouts)
      : conn_(conn), visible_end_(visible_end), timeouts_(timeouts) {}

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return conn_.fd; }

  // Sends everything gathered, waiting up to the write timeout when the socket is full.
  bool flush();

 private:
  bool streamed_body() const { return visible_end_ == 0; }
  bool wait_for(short events, int timeout_ms) const;

  Connection& conn_;
  std::size_t visible_end_;
  StreamTimeouts timeouts_;
  std::string out_;
  bool awaiting_head_ = true;     // the next write starts a response head
  bool streamed_answer_ = false;  // the head had no Content-Length: send as written
  bool write_failed_ = false;
};

}  // namespace pixforge::service::http
