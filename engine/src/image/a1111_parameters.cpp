// A1111 infotext, formatted and parsed the way stable-diffusion-webui's create_infotext and
// parse_generation_parameters do. The key/value line is scanned by hand with the same rules as
// A1111's regular expression (no std::regex: its recursion can overflow on long user text).
#include "pixforge/image/a1111_parameters.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace pixforge {
namespace {

bool is_word(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }
bool is_key_char(unsigned char c) { return is_word(c) || c == ' ' || c == '-' || c == '/'; }
bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string trim(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && is_space(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && is_space(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

// A1111's quote(): plain when safe, otherwise a JSON string literal (non-ASCII kept as is).
std::string quote(const std::string& value) {
  if (value.find_first_of(",\n:") == std::string::npos) return value;
  return nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string unquote(const std::string& value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return value;
  try {
    const nlohmann::json j = nlohmann::json::parse(value);
    if (j.is_string()) return j.get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  return value;
}

// Length of a quoted value `"(\\.|[^\\"])+"` at s[pos], or 0 when none matches.
std::size_t quoted_length(std::string_view s, std::size_t pos) {
  if (pos >= s.size() || s[pos] != '"') return 0;
  std::size_t i = pos + 1;
  while (i < s.size() && s[i] != '"') i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
  if (i >= s.size() || i == pos + 1) return 0;
  return i + 1 - pos;
}

// findall of A1111's re_param over one line: \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)
std::vector<std::pair<std::string, std::string>> find_params(std::string_view line) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos < line.size()) {
    std::size_t k = pos;
    while (k < line.size() && is_space(static_cast<unsigned char>(line[k]))) ++k;
    if (k >= line.size() || !is_word(static_cast<unsigned char>(line[k]))) {
      pos = k + 1;
      continue;
    }
    std::size_t e = k + 1;
    while (e < line.size() && is_key_char(static_cast<unsigned char>(line[e]))) ++e;
    if (e - k < 2 || e >= line.size() || line[e] != ':') {
      pos = std::max(e, pos + 1);
      continue;
    }
    std::size_t v = e + 1;
    while (v < line.size() && is_space(static_cast<unsigned char>(line[v]))) ++v;
    std::size_t len = quoted_length(line, v);
    const bool quoted_ok = len > 0 && (v + len == line.size() || line[v + len] == ',');
    if (!quoted_ok) {
      const std::size_t comma = line.find(',', v);
      len = (comma == std::string_view::npos ? line.size() : comma) - v;
    }
    out.emplace_back(std::string(line.substr(k, e - k)), std::string(line.substr(v, len)));
    pos = v + len + 1;  // past the comma (or the end)
  }
  return out;
}

}  // namespace

std::optional<std::string> A1111Parameters::get(std::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) return v;
  }
  return std::nullopt;
}

void A1111Parameters::set(std::string key, std::string value) {
  for (auto& [k, v] : fields) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  fields.emplace_back(std::move(key), std::move(value));
}

std::string format_a1111_parameters(const A1111Parameters& params) {
  std::string line;
  for (const auto& [k, v] : params.fields) {
    if (!line.empty()) line += ", ";
    line += (k == v) ? k : k + ": " + quote(v);
  }
  std::string text = params.prompt;
  if (!params.negative_prompt.empty()) text += "\nNegative prompt: " + params.negative_prompt;
  text += "\n" + line;
  return trim(text);
}

A1111Parameters parse_a1111_parameters(std::string_view text) {
  A1111Parameters out;
  const std::string all = trim(text);
  std::vector<std::string_view> lines;
  std::string_view rest = all;
  while (true) {
    const std::size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  std::string_view last = lines.back();
  if (find_params(last).size() >= 3) {
    lines.pop_back();
  } else {
    last = {};
  }
  bool negative = false;
  for (std::string_view raw : lines) {
    std::string line = trim(raw);
    if (line.rfind("Negative prompt:", 0) == 0) {
      negative = true;
      line = trim(std::string_view(line).substr(16));
    }
    std::string& target = negative ? out.negative_prompt : out.prompt;
    target += (target.empty() ? "" : "\n") + line;
  }
  for (auto& [k, v] : find_params(last)) out.set(k, unquote(v));
  return out;
}

}  // namespace pixforge
