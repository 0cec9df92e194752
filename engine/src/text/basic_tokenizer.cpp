#include "basic_tokenizer.h"

#include "ftfy_nfc.h"
#include "unicode_tables.h"

namespace pixforge::text {
namespace {

// transformers' _is_control: tab, newline and return count as whitespace, not control.
bool is_control(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  return unicode::is_category_c(c);
}

bool is_whitespace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || unicode::is_category_zs(c);
}

// Steps 1 and 2.
std::u32string clean_and_space_ideographs(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (c == 0 || c == 0xFFFD || is_control(c)) continue;
    if (is_whitespace(c)) {
      out.push_back(U' ');
    } else if (is_cjk_ideograph(c)) {
      out.push_back(U' ');
      out.push_back(c);
      out.push_back(U' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::u32string hf_basic_clean(const std::u32string& text) {
  const std::u32string normalized = ftfy::nfc(clean_and_space_ideographs(text));
  // str.split(): words are maximal runs of non-whitespace (str.isspace; after step 1 only
  // U+2028, U+2029 and ' ' remain of those); each word is lowercased on its own.
  std::u32string out;
  std::size_t pos = 0;
  while (pos < normalized.size()) {
    while (pos < normalized.size() && unicode::is_space(normalized[pos])) ++pos;
    std::size_t end = pos;
    while (end < normalized.size() && !unicode::is_space(normalized[end])) ++end;
    if (end > pos) {
      if (!out.empty()) out.push_back(U' ');
      out += unicode::lower(normalized.substr(pos, end - pos));
    }
    pos = end;
  }
  return out;
}

}  // namespace pixforge::text
