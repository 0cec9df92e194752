#include "ftfy_fixes.h"

#include <algorithm>
#include <cstring>

#include "ftfy_tables.h"
#include "html_entities.h"

namespace pixforge::text::ftfy {
namespace {

bool is_ascii_alnum(char32_t c) {
  return (c >= U'0' && c <= U'9') || (c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z');
}
bool is_ascii_letter(char32_t c) { return (c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z'); }

// Length of HTML_ENTITY_RE (&#?[0-9A-Za-z]{1,24};) at pos, or 0.
std::size_t entity_length(const std::u32string& text, std::size_t pos) {
  if (text[pos] != U'&') return 0;
  std::size_t i = pos + 1;
  if (i < text.size() && text[i] == U'#') ++i;
  const std::size_t first = i;
  while (i < text.size() && is_ascii_alnum(text[i]) && i - first < 24) ++i;
  if (i == first || i >= text.size() || text[i] != U';') return 0;
  return i + 1 - pos;
}

const char32_t* find_entity(const std::string& name) {
  const Entity* end = kEntities + kEntityCount;
  const Entity* it = std::lower_bound(kEntities, end, name, [](const Entity& e, const auto& n) {
    return std::strcmp(e.name, n.c_str()) < 0;
  });
  return it != end && name == it->name ? it->text : nullptr;
}

std::u32string translate(const std::u32string& text, const Mapping* table, std::size_t count) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (const char32_t* to = find_mapping(table, count, c)) {
      out += to;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::u32string unescape_html(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t n = entity_length(text, pos);
    if (n == 0) {
      out.push_back(text[pos++]);
      continue;
    }
    const std::u32string ref = text.substr(pos, n);
    pos += n;
    const std::string name(ref.begin(), ref.end());  // ASCII by construction
    if (const char32_t* value = find_entity(name)) {
      out += value;
    } else if (ref[1] == U'#') {
      // Only a complete decoding counts: html.unescape may stop before the ';'.
      const std::u32string decoded = html::unescape(ref);
      out += decoded.find(U';') == std::u32string::npos ? decoded : ref;
    } else {
      out += ref;
    }
  }
  return out;
}

std::u32string remove_terminal_escapes(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    if (text[pos] == 0x1B && pos + 1 < text.size() && text[pos + 1] == U'[') {
      std::size_t i = pos + 2;
      while (i < text.size() && (text[i] == U';' || in_ranges(kDecimalDigits, text[i]))) ++i;
      if (i < text.size() && is_ascii_letter(text[i])) {
        pos = i + 1;
        continue;
      }
    }
    out.push_back(text[pos++]);
  }
  return out;
}

std::u32string fix_latin_ligatures(const std::u32string& text) {
  return translate(text, kLigatures, kLigatureCount);
}

std::u32string fix_character_width(const std::u32string& text) {
  return translate(text, kWidthMap, kWidthMapCount);
}

std::u32string uncurl_quotes(const std::u32string& text) {
  std::u32string out = text;
  for (char32_t& c : out) {
    if (c >= 0x201C && c <= 0x201F) {
      c = U'"';
    } else if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) {
      c = U'\'';
    }
  }
  return out;
}

std::u32string fix_line_breaks(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c == U'\r' && i + 1 < text.size() && text[i + 1] == U'\n') continue;  // CRLF -> LF
    out.push_back(c == U'\r' || c == 0x2028 || c == 0x2029 || c == 0x85 ? U'\n' : c);
  }
  return out;
}

std::u32string fix_surrogates(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.size() && text[i + 1] >= 0xDC00 &&
        text[i + 1] <= 0xDFFF) {
      out.push_back(0x10000 + ((c - 0xD800) << 10) + (text[++i] - 0xDC00));
    } else {
      out.push_back(c >= 0xD800 && c <= 0xDFFF ? 0xFFFD : c);
    }
  }
  return out;
}

std::u32string remove_control_chars(const std::u32string& text) {
  // ASCII controls but tab, LF, FF, CR; deprecated Arabic format controls; BOM; interlinear
  // annotation marks and the object replacement character.
  auto removed = [](char32_t c) {
    return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
           (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
  };
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (!removed(c)) out.push_back(c);
  }
  return out;
}

}  // namespace pixforge::text::ftfy
