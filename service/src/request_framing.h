// Where the next HTTP/1.1 request in a connection's received bytes ends, read from its head's
// framing headers alone (Content-Length, Transfer-Encoding, Expect). The event loop hands a
// request to cpp-httplib only when all of it has arrived, so no thread ever waits on a slow
// client; cpp-httplib then parses the request itself.
#pragma once

#include <cstddef>
#include <string_view>

namespace pixforge::service::http {

struct RequestFrame {
  enum class Kind {
    kIncomplete,    // wait for more bytes (total_bytes is known once the head is in)
    kComplete,      // head + body are buffered: total_bytes of them
    kStreamedBody,  // chunked body or Expect: 100-continue: the body is read as it arrives
    kBodyTooLarge,  // Content-Length over the limit: answered 413 from the head alone
    kHeadTooLarge,  // no end of head within the limit: answered 431, connection closed
  };
  Kind kind = Kind::kIncomplete;
  std::size_t head_bytes = 0;   // through the blank line; 0 while the head is incomplete
  std::size_t total_bytes = 0;  // head + Content-Length body; 0 while unknown
};

// `buffered` starts at the request line. Headers are matched as cpp-httplib matches them (names
// case-insensitively, the first of repeated headers wins, chunked and 100-continue exactly), so
// both sides agree on where a request ends.
RequestFrame frame_request(std::string_view buffered, std::size_t max_body_bytes,
                           std::size_t max_head_bytes);

}  // namespace pixforge::service::http
