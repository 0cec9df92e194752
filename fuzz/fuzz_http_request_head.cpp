// libFuzzer: arbitrary client bytes through the event loop's own request parser
// (service/src/request_head.h). When request framing says the bytes start with a complete
// request, its head goes to parse_request_head, which must not crash, and whenever it accepts
// the head, what it filled must be something the routes can rely on:
//  - a method the parser knows, version HTTP/1.0 or HTTP/1.1;
//  - a target that starts with '/' and holds only visible ASCII, whose request line fits
//    cpp-httplib's limit, and a path that starts with '/' (percent-decoding may put any byte after
//    it, as in cpp-httplib);
//  - header names that are non-empty RFC 9110 tokens and header values that are non-empty and
//    have no CR, LF or NUL unless the raw head spelt one as a percent escape (cpp-httplib 0.11
//    decodes escapes in header values; the raw bytes of an accepted head never hold them);
//  - exactly as many headers as the head has header lines.
//   build-svc-fuzz/fuzz/fuzz_http_request_head -max_total_time=300 -max_len=4096
//   build-svc-fuzz/corpus/head fuzz/corpus/http_request_head
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "request_framing.h"
#include "request_head.h"

namespace {

constexpr std::size_t kMaxBody = 4096;
constexpr std::size_t kMaxHead = 16384;

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Whether `lower_head` (the head in lower case) spells byte `hex` ("0d") as a percent escape,
// "%0d" or cpp-httplib's "%u000d".
bool has_escape(const std::string& lower_head, const std::string& hex) {
  return lower_head.find("%" + hex) != std::string::npos ||
         lower_head.find("%u00" + hex) != std::string::npos;
}

void check(std::string_view head, const httplib::Request& req) {
  static const std::string_view kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                              "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  bool known = false;
  for (std::string_view m : kMethods) known = known || req.method == m;
  if (!known) std::abort();
  if (req.version != "HTTP/1.0" && req.version != "HTTP/1.1") std::abort();
  if (req.target.empty() || req.target.front() != '/') std::abort();
  for (char c : req.target)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      std::abort();
  if (req.method.size() + req.target.size() + req.version.size() + 4 > 8192) std::abort();
  if (req.path.empty() || req.path.front() != '/') std::abort();
  if (!req.body.empty()) std::abort();

  // Control bytes in a value only by way of a percent escape in the raw head.
  std::string lower(head);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool escaped_cr = has_escape(lower, "0d");
  const bool escaped_lf = has_escape(lower, "0a");
  const bool escaped_nul = has_escape(lower, "00");
  std::size_t lines = 0;
  for (std::size_t at = head.find("\r\n"); at != std::string_view::npos;
       at = head.find("\r\n", at + 2))
    ++lines;
  // The request line, the header lines and the blank line end with CRLF; the decoded values may
  // not add lines, the raw head had no others.
  if (req.headers.size() + 2 != lines) std::abort();
  for (const auto& [name, value] : req.headers) {
    if (name.empty() || value.empty()) std::abort();
    for (char c : name)
      if (!is_token_char(c)) std::abort();
    if ((value.find('\r') != std::string::npos && !escaped_cr) ||
        (value.find('\n') != std::string::npos && !escaped_lf) ||
        (value.find('\0') != std::string::npos && !escaped_nul))
      std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const pixforge::service::http::RequestFrame frame =
      pixforge::service::http::frame_request(bytes, kMaxBody, kMaxHead);
  if (frame.kind != pixforge::service::http::RequestFrame::Kind::kComplete) return 0;
  if (frame.head_bytes == 0 || frame.head_bytes > bytes.size()) std::abort();
  const std::string_view head = bytes.substr(0, frame.head_bytes);
  httplib::Request req;
  if (pixforge::service::http::parse_request_head(head, req)) check(head, req);
  // A second parse into a used request must not crash either (the parser only adds to it).
  httplib::Request again;
  again.method = "stale";
  pixforge::service::http::parse_request_head(head, again);
  return 0;
}
