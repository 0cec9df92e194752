#include "connection_stream.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace pixforge::service::http {
namespace {

constexpr std::size_t kReceiveChunk = 16 * 1024;
// A length-delimited answer is still sent in pieces of this size, so a large one (an image, an
// export) is never copied whole into the gather buffer.
constexpr std::size_t kGatherLimit = 256 * 1024;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool has_content_length(std::string_view head) {
  static constexpr std::string_view kName = "\r\ncontent-length:";
  auto it = std::search(head.begin(), head.end(), kName.begin(), kName.end(),
                        [](char a, char b) { return ascii_lower(a) == b; });
  return it != head.end();
}

}  // namespace

void Connection::compact() {
  if (in_pos == in.size()) {
    in.clear();
    in_pos = 0;
  } else if (in_pos > kReceiveChunk && in_pos * 2 > in.size()) {
    in.erase(0, in_pos);
    in_pos = 0;
  }
}

bool Connection::receive_available() {
  // Received on the stack and appended: growing `in` first would zero-fill 16 KiB per read.
  char chunk[kReceiveChunk];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      in.append(chunk, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof chunk) return true;  // drained, most likely
      continue;
    }
    if (n == 0) {
      peer_closed = true;
      return true;
    }
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

bool ConnectionStream::wait_for(short events, int timeout_ms) const {
  pollfd p{conn_.fd, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0 && (p.revents & events) != 0 && (p.revents & POLLERR) == 0;
  }
}

bool ConnectionStream::is_readable() const {
  if (conn_.unread() > 0 && (streamed_body() || conn_.in_pos < visible_end_)) return true;
  return streamed_body() && wait_for(POLLIN, timeouts_.read_ms);
}

bool ConnectionStream::is_writable() const {
  return !write_failed_ && (!streamed_answer_ || wait_for(POLLOUT, timeouts_.write_ms));
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (!streamed_body()) {
    // A complete request: its bytes, then end of stream (never the next pipelined request).
    const std::size_t left = visible_end_ - std::min(visible_end_, conn_.in_pos);
    const std::size_t n = std::min(size, left);
    std::memcpy(ptr, conn_.in.data() + conn_.in_pos, n);
    conn_.in_pos += n;
    return static_cast<ssize_t>(n);
  }
  if (conn_.unread() == 0) {
    conn_.compact();
    if (conn_.peer_closed || !wait_for(POLLIN, timeouts_.read_ms))
      return conn_.peer_closed ? 0 : -1;
    if (!conn_.receive_available()) return -1;
    if (conn_.unread() == 0) return 0;  // closed by the client
  }
  const std::size_t n = std::min(size, conn_.unread());
  std::memcpy(ptr, conn_.in.data() + conn_.in_pos, n);
  conn_.in_pos += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (write_failed_) return -1;
  const std::string_view data(ptr, size);
  bool send_now = streamed_answer_;
  if (awaiting_head_ && data.rfind("HTTP/1.", 0) == 0) {
    // "HTTP/1.1 100 Continue" is sent at once and a final head follows; a final head without
    // Content-Length starts an answer streamed until its end (chunked or until close).
    if (data.size() > 9 && data[9] == '1') {
      send_now = true;
    } else {
      awaiting_head_ = false;
      streamed_answer_ = !has_content_length(data);
    }
  }
  out_.append(data);
  if ((send_now || out_.size() >= kGatherLimit) && !flush()) return -1;
  return static_cast<ssize_t>(size);
}

bool ConnectionStream::flush() {
  std::size_t sent = 0;
  while (!write_failed_ && sent < out_.size()) {
    const ssize_t n = ::send(conn_.fd, out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      write_failed_ = !wait_for(POLLOUT, timeouts_.write_ms);
    } else {
      write_failed_ = true;
    }
  }
  out_.clear();
  return !write_failed_;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = conn_.remote_ip;
  port = conn_.remote_port;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip = conn_.local_ip;
  port = conn_.local_port;
}

}  // namespace pixforge::service::http
