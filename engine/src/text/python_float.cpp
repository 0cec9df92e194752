#include "python_float.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace pixforge::text {
namespace {

bool is_ascii_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

// Digits with optional single underscores between them, appended to `out` without the
// underscores; returns false when there is no digit or an underscore is misplaced.
bool digit_part(std::string_view s, std::size_t& i, std::string& out) {
  const std::size_t begin = i;
  while (i < s.size()) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      out.push_back(s[i++]);
    } else if (s[i] == '_' && i > begin && i + 1 < s.size() &&
               std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
               std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      ++i;
    } else {
      break;
    }
  }
  return i > begin;
}

}  // namespace

std::optional<double> parse_python_float(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  std::string clean;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean.push_back(s[i++]);
  const std::string_view rest = s.substr(i);
  const double sign = !clean.empty() && clean[0] == '-' ? -1.0 : 1.0;
  if (iequals(rest, "inf") || iequals(rest, "infinity")) {
    return sign * std::numeric_limits<double>::infinity();
  }
  if (iequals(rest, "nan")) return std::numeric_limits<double>::quiet_NaN();
  const bool int_part = digit_part(s, i, clean);
  bool frac_part = false;
  if (i < s.size() && s[i] == '.') {
    clean.push_back(s[i++]);
    frac_part = digit_part(s, i, clean);
  }
  if (!int_part && !frac_part) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    clean.push_back(s[i++]);
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean.push_back(s[i++]);
    if (!digit_part(s, i, clean)) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  // from_chars rounds correctly, as Python does, and ignores the C locale.
  double value = 0;
  const char* first = clean.data() + (clean[0] == '+' ? 1 : 0);
  const auto [end, ec] = std::from_chars(first, clean.data() + clean.size(), value);
  if (ec == std::errc::result_out_of_range) return sign * std::numeric_limits<double>::infinity();
  if (ec != std::errc() || end != clean.data() + clean.size()) return std::nullopt;
  return value;
}

}  // namespace pixforge::text
