// Tables for the restatement of ftfy.fix_text (ftfy_*.cpp), generated into ftfy_tables_data.cpp
// by tools/reference/text_ftfy_tables.py from Python's unicodedata and the Python restatement
// tools/reference/text_ftfy.py.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

namespace pixforge::text::ftfy {

struct Mapping {
  char32_t from;
  const char32_t* to;  // NUL-terminated
};
struct ClassRun {
  char32_t first, last;
  std::uint8_t ccc;
};
struct Composition {
  char32_t first, second, composite;
};
struct Range {
  char32_t first, last;
};
struct Span {
  std::uint16_t offset, count;
};
// One atom of the badness expression: matches one code point in (or, negated, outside) its
// ranges; `optional` atoms may match nothing; an `anchor` matches only at the text's start.
struct Atom {
  Span ranges;
  bool negated, optional, anchor;
};
inline constexpr std::size_t kCharmapCount = 10;
struct CharmapTable {
  const char* name;
  char32_t chars[256];
};
struct Entity {
  const char* name;  // "&name;"
  const char32_t* text;
};

extern const Mapping kCanonicalDecompositions[];
extern const std::size_t kCanonicalDecompositionCount;
extern const ClassRun kCombiningClasses[];
extern const std::size_t kCombiningClassCount;
extern const Composition kCompositions[];
extern const std::size_t kCompositionCount;

extern const Range kRanges[];
extern const Atom kBadnessAtoms[];
extern const std::uint16_t kBadnessAlternativeAtoms[];
extern const Span kBadnessAlternatives[];
extern const std::size_t kBadnessAlternativeCount;
// UTF8_DETECTOR_RE's sets, in this order.
enum Utf8Clue { kFirstOf2 = 0, kFirstOf3, kFirstOf4, kContinuation, kContinuationStrict };
extern const Span kUtf8Clues[5];
extern const Span kDecimalDigits;

extern const CharmapTable kCharmaps[kCharmapCount];
extern const Entity kEntities[];
extern const std::size_t kEntityCount;
extern const Mapping kWidthMap[];
extern const std::size_t kWidthMapCount;
extern const Mapping kLigatures[];
extern const std::size_t kLigatureCount;

// Whether c lies in one of the sorted, disjoint ranges of `span` (into kRanges).
bool in_ranges(Span span, char32_t c);
// Binary search of a sorted Mapping table; nullptr when c has no entry.
const char32_t* find_mapping(const Mapping* table, std::size_t count, char32_t c);

}  // namespace pixforge::text::ftfy
