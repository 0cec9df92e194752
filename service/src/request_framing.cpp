#include "request_framing.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>

namespace pixforge::service::http {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Header names are ASCII; std::tolower would consult the locale for every byte.
bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct FramingHeaders {
  std::optional<std::string_view> content_length;
  std::optional<std::string_view> transfer_encoding;
  std::optional<std::string_view> expect;
};

// The header lines between the request line and the blank line (`head` ends with "\r\n\r\n").
FramingHeaders framing_headers(std::string_view head) {
  FramingHeaders h;
  std::size_t line_start = head.find("\r\n") + 2;  // skip the request line
  while (line_start < head.size()) {
    const std::size_t line_end = head.find("\r\n", line_start);
    if (line_end == std::string_view::npos || line_end == line_start) break;
    const std::string_view line = head.substr(line_start, line_end - line_start);
    line_start = line_end + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (same_name(name, "Content-Length") && !h.content_length) h.content_length = value;
    if (same_name(name, "Transfer-Encoding") && !h.transfer_encoding) h.transfer_encoding = value;
    if (same_name(name, "Expect") && !h.expect) h.expect = value;
  }
  return h;
}

// cpp-httplib reads Content-Length with strtoull, and so does this: an optional sign, the
// leading digits; no digits is 0 (no body); a negative or overflowing number is huge.
std::size_t body_length(std::string_view value, std::size_t too_large) {
  bool negative = false;
  if (!value.empty() && (value.front() == '+' || value.front() == '-')) {
    negative = value.front() == '-';
    value.remove_prefix(1);
  }
  std::size_t n = 0;
  const auto [end, err] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (err == std::errc::result_out_of_range) return too_large;
  if (err != std::errc{} || end == value.data()) return 0;
  return negative && n != 0 ? too_large : n;
}

}  // namespace

RequestFrame frame_request(std::string_view buffered, std::size_t max_body_bytes,
                           std::size_t max_head_bytes) {
  // Keeps head + body far from overflowing (the library's default limit is SIZE_MAX).
  max_body_bytes = std::min(max_body_bytes, std::numeric_limits<std::size_t>::max() / 4);
  RequestFrame f;
  const std::size_t end = buffered.find("\r\n\r\n");
  if (end == std::string_view::npos || end + 4 > max_head_bytes) {
    if (buffered.size() >= max_head_bytes) f.kind = RequestFrame::Kind::kHeadTooLarge;
    return f;
  }
  f.head_bytes = end + 4;
  const FramingHeaders h = framing_headers(buffered.substr(0, f.head_bytes));
  if ((h.transfer_encoding && same_name(*h.transfer_encoding, "chunked")) ||
      (h.expect && *h.expect == "100-continue")) {
    f.kind = RequestFrame::Kind::kStreamedBody;
    return f;
  }
  const std::size_t body =
      h.content_length ? body_length(*h.content_length, max_body_bytes + 1) : 0;
  if (body > max_body_bytes) {
    f.kind = RequestFrame::Kind::kBodyTooLarge;
    return f;
  }
  f.total_bytes = f.head_bytes + body;
  f.kind = buffered.size() >= f.total_bytes ? RequestFrame::Kind::kComplete
                                            : RequestFrame::Kind::kIncomplete;
  return f;
}

}  // namespace pixforge::service::http
