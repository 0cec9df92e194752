#include "unicode_tables.h"

#include <algorithm>

namespace pixforge::text::unicode {
namespace {

bool in_ranges(const CodeRange* table, std::size_t count, char32_t c) {
  const CodeRange* end = table + count;
  const CodeRange* it =
      std::upper_bound(table, end, c, [](char32_t v, const CodeRange& r) { return v < r.first; });
  return it != table && c <= (it - 1)->last;
}

bool case_ignorable(char32_t c) { return in_ranges(kCaseIgnorable, kCaseIgnorableCount, c); }
bool cased(char32_t c) { return in_ranges(kCased, kCasedCount, c); }

// CPython's handle_capital_sigma: the sigma at `i` is final when, skipping case-ignorable code
// points, a cased one comes before it and no cased one after it.
bool final_sigma(const std::u32string& text, std::size_t i) {
  std::size_t j = i;
  while (j > 0 && case_ignorable(text[j - 1])) --j;
  if (j == 0 || !cased(text[j - 1])) return false;
  j = i + 1;
  while (j < text.size() && case_ignorable(text[j])) ++j;
  return j == text.size() || !cased(text[j]);
}

}  // namespace

std::u32string lower(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == 0x3A3 && final_sigma(text, i)) {
      out.push_back(0x3C2);
    } else {
      append_lower(text[i], out);
    }
  }
  return out;
}

bool is_category_c(char32_t c) { return in_ranges(kCategoryC, kCategoryCCount, c); }
bool is_category_zs(char32_t c) { return in_ranges(kCategoryZs, kCategoryZsCount, c); }

CharClass char_class(char32_t c) {
  const ClassRange* end = kClassRanges + kClassRangeCount;
  const ClassRange* it = std::upper_bound(
      kClassRanges, end, c, [](char32_t v, const ClassRange& r) { return v < r.first; });
  if (it == kClassRanges) return CharClass::Other;
  --it;
  return c <= it->last ? static_cast<CharClass>(it->cls) : CharClass::Other;
}

bool is_space(char32_t c) { return std::binary_search(kSpaces, kSpaces + kSpaceCount, c); }

void append_lower(char32_t c, std::u32string& out) {
  if (c < 0x80) {
    out.push_back(c >= U'A' && c <= U'Z' ? c + 32 : c);
    return;
  }
  if (c == 0x130) {  // LATIN CAPITAL LETTER I WITH DOT ABOVE: the one multi-code-point mapping.
    out.push_back(U'i');
    out.push_back(0x307);
    return;
  }
  const LowerRange* end = kLowerRanges + kLowerRangeCount;
  const LowerRange* it = std::upper_bound(
      kLowerRanges, end, c, [](char32_t v, const LowerRange& r) { return v < r.first; });
  if (it != kLowerRanges) {
    --it;
    if (c <= it->last && (c - it->first) % static_cast<char32_t>(it->stride) == 0) {
      out.push_back(static_cast<char32_t>(static_cast<std::int64_t>(c) + it->delta));
      return;
    }
  }
  out.push_back(c);
}

}  // namespace pixforge::text::unicode
