#include "unicode_tables.h"

#include <algorithm>

namespace pixforge::text::unicode {

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
