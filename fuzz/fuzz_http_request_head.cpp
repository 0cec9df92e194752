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
//  - exactly as many headers as the head has header lines;
//  - and, for the requests the event loop answers directly (request in the subset of
//    event_loop_server.cpp: its methods, no Range, Transfer-Encoding, Expect, multipart or form
//    body),
//    cpp-httplib's own process_request, given the same bytes in memory, must route the request to
//    a handler and see the same method, target, path, version, params and headers.
//   build-svc-fuzz/fuzz/fuzz_http_request_head -max_total_time=300 -max_len=4096
//   -dict=fuzz/http_request_head.dict build-svc-fuzz/corpus/head fuzz/corpus/http_request_head
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "request_framing.h"
#include "request_head.h"
#include "service/memory_stream.h"

namespace {

using pixforge::service::testing::MemoryStream;

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

// Everything parse_request_head fills, in the multimaps' order; the connection addresses that
// cpp-httplib adds as headers are left out (the direct path keeps them in remote_addr only).
std::string describe(const httplib::Request& req) {
  std::string d = req.method + '\n' + req.target + '\n' + req.path + '\n' + req.version + '\n';
  for (const auto& [key, value] : req.params) d += key + '=' + value + '\n';
  for (const auto& [name, value] : req.headers) {
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT")
      continue;
    d += name + ": " + value + '\n';
  }
  return d;
}

// cpp-httplib's server with a catch-all route per method that records what the library parsed.
class LibraryParser : public httplib::Server {
 public:
  LibraryParser() {
    const auto record = [this](const httplib::Request& req, httplib::Response&) {
      seen_ = describe(req);
    };
    // Any path: a decoded path may hold CR or LF, which ECMAScript's '.' does not match.
    const std::string any = R"([\s\S]*)";
    Get(any, record);
    Post(any, record);
    Put(any, record);
    Patch(any, record);
    Delete(any, record);
    Options(any, record);
    set_payload_max_length(kMaxBody);
  }
  // The description of the request in `bytes` as the library parsed it; "" if no handler ran.
  std::string parse(std::string_view bytes) {
    seen_.clear();
    MemoryStream stream{std::string(bytes)};
    bool closed = false;
    process_request(stream, true, closed, nullptr);
    return seen_;
  }

 private:
  std::string seen_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const pixforge::service::http::RequestFrame frame =
      pixforge::service::http::frame_request(bytes, kMaxBody, kMaxHead);
  if (frame.kind != pixforge::service::http::RequestFrame::Kind::kComplete) return 0;
  if (frame.head_bytes == 0 || frame.head_bytes > bytes.size()) std::abort();
  const std::string_view head = bytes.substr(0, frame.head_bytes);
  httplib::Request req;
  if (pixforge::service::http::parse_request_head(head, req)) {
    check(head, req);
    if (pixforge::service::http::answerable_directly(req)) {
      static LibraryParser* library = new LibraryParser();
      const std::string seen = library->parse(bytes.substr(0, frame.total_bytes));
      if (seen != describe(req)) {
        std::fprintf(stderr, "cpp-httplib parsed:\n%s\nparse_request_head:\n%s\n", seen.c_str(),
                     describe(req).c_str());
        std::abort();
      }
    }
  }
  // A second parse into a used request must not crash either (the parser only adds to it).
  httplib::Request again;
  again.method = "stale";
  pixforge::service::http::parse_request_head(head, again);
  return 0;
}
