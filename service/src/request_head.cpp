#include "request_head.h"

#include <array>

namespace pixforge::service::http {
namespace {

// cpp-httplib answers 414 when the request line with its CRLF is longer than this
// (CPPHTTPLIB_REQUEST_URI_MAX_LENGTH): the limit is on the line, not on the target alone.
constexpr std::size_t kMaxRequestLineBytes = 8192;
// And 400 for a header line longer than this with its CRLF (CPPHTTPLIB_HEADER_MAX_LENGTH).
constexpr std::size_t kMaxHeaderLineBytes = 8192;

constexpr std::array<std::string_view, 9> kMethods = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};

// RFC 9110 token characters (header names).
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Visible ASCII and tab (header values), or bytes >= 0x80 (obsolete text, passed through).
bool is_value_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

bool is_target_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f;
}

bool parse_request_line(std::string_view line, httplib::Request& req) {
  if (line.size() + 2 > kMaxRequestLineBytes) return false;
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return false;
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  bool known = false;
  for (std::string_view m : kMethods) known = known || m == method;
  if (!known || (version != "HTTP/1.1" && version != "HTTP/1.0")) return false;
  if (target.empty() || target.front() != '/') return false;
  for (char c : target)
    if (!is_target_char(c)) return false;
  // cpp-httplib drops a "#fragment" from the target before it reads path and query.
  target = target.substr(0, target.find('#'));
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  std::string_view query;
  if (question != std::string_view::npos) {
    query = target.substr(question + 1);
    if (query.find('?') != std::string_view::npos) return false;  // cpp-httplib refuses it
  }
  req.method = method;
  req.target = target;
  req.version = version;
  req.path = httplib::detail::decode_url(std::string(path), false);
  if (!query.empty()) httplib::detail::parse_query_text(std::string(query), req.params);
  return true;
}

bool parse_header_line(std::string_view line, httplib::Request& req) {
  if (line.size() + 2 > kMaxHeaderLineBytes) return false;
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  const std::string_view name = line.substr(0, colon);
  for (char c : name)
    if (!is_tchar(c)) return false;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return false;  // cpp-httplib answers 400
  for (char c : value)
    if (!is_value_char(c)) return false;
  std::string decoded = value.find('%') == std::string_view::npos
                            ? std::string(value)
                            : httplib::detail::decode_url(std::string(value), false);
  req.headers.emplace(std::string(name), std::move(decoded));
  return true;
}

}  // namespace

bool parse_request_head(std::string_view head, httplib::Request& req) {
  if (head.size() < 4 || head.substr(head.size() - 4) != "\r\n\r\n") return false;
  std::size_t start = 0;
  bool first = true;
  while (start < head.size()) {
    const std::size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos) return false;
    const std::string_view line = head.substr(start, end - start);
    start = end + 2;
    if (line.empty()) return start == head.size() && !first;
    // A bare CR or LF inside a line is not a line end this parser agrees on.
    if (line.find_first_of("\r\n") != std::string_view::npos) return false;
    if (first ? !parse_request_line(line, req) : !parse_header_line(line, req)) return false;
    first = false;
  }
  return false;
}

bool answerable_directly(const httplib::Request& req) {
  const std::string& m = req.method;
  if (m != "GET" && m != "HEAD" && m != "POST" && m != "PUT" && m != "PATCH" && m != "DELETE")
    return false;
  if (req.has_header("Range") || req.has_header("Transfer-Encoding") || req.has_header("Expect"))
    return false;
  const std::string type = req.get_header_value("Content-Type");
  return type.rfind("multipart/form-data", 0) != 0 &&
         type.find("application/x-www-form-urlencoded") == std::string::npos;
}

}  // namespace pixforge::service::http
