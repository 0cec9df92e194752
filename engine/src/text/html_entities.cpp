#include "html_entities.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace pixforge::text::html {
namespace {

constexpr std::size_t kMaxNameLength = 32;  // Python's pattern: [^\t\n\f <&#;]{1,32};?

const Entity* find_entity(std::string_view name) {
  const Entity* end = kEntities + kEntityCount;
  const Entity* it = std::lower_bound(
      kEntities, end, name,
      [](const Entity& e, std::string_view n) { return std::string_view(e.name) < n; });
  return it != end && std::string_view(it->name) == name ? it : nullptr;
}

void append_entity(const Entity& e, std::u32string& out) {
  out.push_back(e.first);
  if (e.second != 0) out.push_back(e.second);
}

bool is_digit(char32_t c, bool hex) {
  return (c >= U'0' && c <= U'9') ||
         (hex && ((c >= U'a' && c <= U'f') || (c >= U'A' && c <= U'F')));
}

// Decodes "&#..." at text[pos] (pos at '&'); returns false when no digits follow.
bool numeric_reference(const std::u32string& text, std::size_t& pos, std::u32string& out) {
  std::size_t i = pos + 2;
  const bool hex = i < text.size() && (text[i] == U'x' || text[i] == U'X');
  if (hex) ++i;
  const std::size_t digits_begin = i;
  std::uint64_t value = 0;
  while (i < text.size() && is_digit(text[i], hex)) {
    const char32_t c = text[i];
    const std::uint64_t d = c <= U'9' ? c - U'0' : (c | 0x20) - U'a' + 10;
    // Anything past U+10FFFF decodes to U+FFFD, so saturating keeps huge numbers exact enough.
    value = std::min<std::uint64_t>(value * (hex ? 16 : 10) + d, 0x7FFFFFFF);
    ++i;
  }
  if (i == digits_begin) return false;
  if (i < text.size() && text[i] == U';') ++i;
  pos = i;
  const Remap* remap_end = kInvalidCharrefs + kInvalidCharrefCount;
  const Remap* remap =
      std::find_if(kInvalidCharrefs, remap_end, [&](const Remap& r) { return r.from == value; });
  if (remap != remap_end) {
    out.push_back(remap->to);
  } else if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) {
    out.push_back(0xFFFD);
  } else if (!std::binary_search(kDroppedCodepoints, kDroppedCodepoints + kDroppedCodepointCount,
                                 static_cast<char32_t>(value))) {
    out.push_back(static_cast<char32_t>(value));
  }
  return true;
}

bool is_name_char(char32_t c) {
  return c != U'\t' && c != U'\n' && c != U'\f' && c != U' ' && c != U'<' && c != U'&' &&
         c != U'#' && c != U';';
}

// Decodes "&name" at text[pos]; returns false when no name character follows the '&'.
bool named_reference(const std::u32string& text, std::size_t& pos, std::u32string& out) {
  std::size_t i = pos + 1;
  while (i < text.size() && i - pos - 1 < kMaxNameLength && is_name_char(text[i])) ++i;
  if (i == pos + 1) return false;
  if (i < text.size() && text[i] == U';') ++i;
  const std::u32string_view name(text.data() + pos + 1, i - pos - 1);
  pos = i;
  // Entity names are ASCII; a name with other characters can only match by a prefix.
  std::string ascii;
  for (char32_t c : name) {
    if (c >= 0x80) break;
    ascii.push_back(static_cast<char>(c));
  }
  if (ascii.size() == name.size()) {
    if (const Entity* e = find_entity(ascii)) {
      append_entity(*e, out);
      return true;
    }
  }
  // The longest legacy (unterminated) name that is a proper prefix, at least two characters.
  for (std::size_t len = std::min(ascii.size(), name.size() - 1); len >= 2; --len) {
    if (const Entity* e = find_entity(std::string_view(ascii).substr(0, len))) {
      append_entity(*e, out);
      out.append(name.substr(len));
      return true;
    }
  }
  out.push_back(U'&');
  out.append(name);
  return true;
}

}  // namespace

std::u32string unescape(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] != U'&' || pos + 1 >= text.size()) {
      out.push_back(text[pos++]);
      continue;
    }
    const bool done =
        text[pos + 1] == U'#' ? numeric_reference(text, pos, out) : named_reference(text, pos, out);
    if (!done) out.push_back(text[pos++]);
  }
  return out;
}

}  // namespace pixforge::text::html
