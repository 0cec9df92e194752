// An httplib::Stream in memory, for the tests and the fuzz target that run cpp-httplib's own
// parser or our answer writer without a socket: reads come from the bytes given (the parser then
// meets end of stream as a 0-byte read), writes are kept in `written` and refused once
// `accept_bytes` have gone, as by a client that went away.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

namespace pixforge::service::testing {

class MemoryStream final : public httplib::Stream {
 public:
  MemoryStream() = default;
  explicit MemoryStream(std::string input) : in_(std::move(input)) {}

  std::string written;
  std::size_t accept_bytes = SIZE_MAX;
  int writes = 0;

  // A stream made with bytes to read counts as readable (end of stream is a 0-byte read), one
  // made without them (for writing) does not.
  bool is_readable() const override { return !in_.empty(); }
  bool is_writable() const override { return written.size() < accept_bytes; }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, in_.size() - pos_);
    std::copy_n(in_.data() + pos_, n, ptr);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (written.size() + size > accept_bytes) return -1;
    written.append(ptr, size);
    ++writes;
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 1;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 2;
  }
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  std::string in_;
  std::size_t pos_ = 0;
};

}  // namespace pixforge::service::testing
