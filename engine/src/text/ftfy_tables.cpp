#include "ftfy_tables.h"

#include <algorithm>

namespace pixforge::text::ftfy {

bool in_ranges(Span span, char32_t c) {
  const Range* begin = kRanges + span.offset;
  const Range* end = begin + span.count;
  const Range* it =
      std::upper_bound(begin, end, c, [](char32_t v, const Range& r) { return v < r.first; });
  return it != begin && c <= (it - 1)->last;
}

const char32_t* find_mapping(const Mapping* table, std::size_t count, char32_t c) {
  const Mapping* end = table + count;
  const Mapping* it =
      std::lower_bound(table, end, c, [](const Mapping& m, char32_t v) { return m.from < v; });
  return it != end && it->from == c ? it->to : nullptr;
}

}  // namespace pixforge::text::ftfy
