#include "text_clean.h"

#include <array>
#include <stdexcept>
#include <string_view>

#include "basic_tokenizer.h"
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

// whitespace_clean: python-regex's \s+ -> ' ' (its \s is the split pattern's Space class, which
// unlike str.isspace leaves U+001C..U+001F alone; ftfy has removed those already), then
// str.strip().
std::u32string whitespace_clean(const std::u32string& text) {
  std::u32string collapsed;
  collapsed.reserve(text.size());
  bool in_run = false;
  for (char32_t c : text) {
    const bool space = unicode::char_class(c) == CharClass::Space;
    if (!space) collapsed.push_back(c);
    if (space && !in_run) collapsed.push_back(U' ');
    in_run = space;
  }
  return strip(collapsed);
}

}  // namespace

std::u32string clip_clean(const std::u32string& text) {
  return unicode::lower(
      whitespace_clean(strip(html::unescape(html::unescape(ftfy::fix_text(text))))));
}

std::u32string hf_ftfy_clean(const std::u32string& text) {
  return unicode::lower(whitespace_clean(ftfy::fix_text(text)));
}

std::u32string clean_text(const std::u32string& text, TextCleanup cleanup) {
  switch (cleanup) {
    case TextCleanup::ComfyUI:
      return hf_basic_clean(text);
    case TextCleanup::HfFtfy:
      return hf_ftfy_clean(text);
    case TextCleanup::OpenAI:
      return clip_clean(text);
  }
  throw std::invalid_argument("unknown text cleanup value");
}

std::vector<std::u32string> split_special_tokens(const std::u32string& text) {
  static constexpr std::u32string_view kStart = U"<|startoftext|>", kEnd = U"<|endoftext|>";
  std::vector<std::u32string> parts;
  std::size_t begin = 0, pos = 0;
  while (pos < text.size()) {
    const std::u32string_view rest = std::u32string_view(text).substr(pos);
    const std::size_t n = rest.starts_with(kStart) ? kStart.size()
                          : rest.starts_with(kEnd) ? kEnd.size()
                                                   : 0;
    if (n == 0) {
      ++pos;
      continue;
    }
    if (pos > begin) parts.push_back(text.substr(begin, pos - begin));
    parts.push_back(text.substr(pos, n));
    pos += n;
    begin = pos;
  }
  if (pos > begin) parts.push_back(text.substr(begin, pos - begin));
  return parts;
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
