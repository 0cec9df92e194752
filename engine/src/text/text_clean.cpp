#include "text_clean.h"

#include <array>
#include <string_view>

#include "ftfy_fix_text.h"
#include "html_entities.h"
#include "unicode_tables.h"

namespace pixforge::text {
namespace {

using unicode::CharClass;

std::u32string strip(const std::u32string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && unicode::is_space(s[b])) ++b;
  while (e > b && unicode::is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// The pattern's literal alternatives match with IGNORECASE; on lowercased text the only
// non-ASCII code point that folds onto one of their letters is U+017F LONG S (asserted by
// tools/reference/text_unicode_tables.py).
bool same_ignoring_case(char32_t text, char32_t literal) {
  return text == literal || (literal == U's' && text == 0x17F);
}

std::size_t match_literal(const std::u32string& text, std::size_t pos, std::u32string_view lit) {
  if (text.size() - pos < lit.size()) return 0;
  for (std::size_t i = 0; i < lit.size(); ++i) {
    if (!same_ignoring_case(text[pos + i], lit[i])) return 0;
  }
  return lit.size();
}

// Length of the first literal alternative matching at pos (special tokens, contractions), in
// the pattern's order, or 0.
std::size_t match_literals(const std::u32string& text, std::size_t pos) {
  static constexpr std::array<std::u32string_view, 9> kLiterals = {
      U"<|startoftext|>", U"<|endoftext|>", U"'s", U"'t", U"'re", U"'ve", U"'m", U"'ll", U"'d"};
  for (auto lit : kLiterals) {
    if (std::size_t n = match_literal(text, pos, lit)) return n;
  }
  return 0;
}

std::size_t run_length(const std::u32string& text, std::size_t pos, CharClass cls) {
  std::size_t n = 0;
  while (pos + n < text.size() && unicode::char_class(text[pos + n]) == cls) ++n;
  return n;
}

}  // namespace

std::u32string clip_clean(const std::u32string& text) {
  const std::u32string unescaped = strip(html::unescape(html::unescape(ftfy::fix_text(text))));
  std::u32string collapsed;
  collapsed.reserve(unescaped.size());
  for (char32_t c : unescaped) {
    if (!unicode::is_space(c)) {
      collapsed.push_back(c);
    } else if (collapsed.empty() || collapsed.back() != U' ') {  // first of a whitespace run
      collapsed.push_back(U' ');
    }
  }
  const std::u32string stripped = strip(collapsed);
  std::u32string lowered;
  lowered.reserve(stripped.size());
  for (char32_t c : stripped) unicode::append_lower(c, lowered);
  return lowered;
}

std::vector<std::u32string> clip_split(const std::u32string& text) {
  std::vector<std::u32string> pieces;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t n = match_literals(text, pos);
    if (n == 0) {
      const CharClass cls = unicode::char_class(text[pos]);
      if (cls == CharClass::Letter || cls == CharClass::Other) {
        n = run_length(text, pos, cls);
      } else if (cls == CharClass::Number) {
        n = 1;
      }
    }
    if (n == 0) {  // whitespace, or a code point no alternative matches: findall skips it
      ++pos;
      continue;
    }
    pieces.push_back(text.substr(pos, n));
    pos += n;
  }
  return pieces;
}

}  // namespace pixforge::text
