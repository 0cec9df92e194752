#include "ftfy_badness.h"

#include "ftfy_tables.h"

namespace pixforge::text::ftfy {
namespace {

bool atom_accepts(const Atom& atom, char32_t c) {
  return in_ranges(atom.ranges, c) != atom.negated;
}

// Whether the atoms [first, last) of one alternative match at pos. Only `\s?` is optional, so
// backtracking is at most one choice per optional atom.
bool match_atoms(std::u32string_view text, std::size_t pos, const std::uint16_t* first,
                 const std::uint16_t* last) {
  if (first == last) return true;
  const Atom& atom = kBadnessAtoms[*first];
  if (atom.anchor) return pos == 0 && match_atoms(text, pos, first + 1, last);
  if (pos < text.size() && atom_accepts(atom, text[pos]) &&
      match_atoms(text, pos + 1, first + 1, last)) {
    return true;
  }
  return atom.optional && match_atoms(text, pos, first + 1, last);
}

bool clue(Utf8Clue which, char32_t c) { return in_ranges(kUtf8Clues[which], c); }

// One repetition of the detector's group: a lead followed by 1, 2 or 3 continuations, tried
// in the expression's order. Returns its length or 0.
std::size_t utf8_unit(std::u32string_view text, std::size_t pos) {
  static constexpr Utf8Clue kLeads[3] = {kFirstOf2, kFirstOf3, kFirstOf4};
  for (std::size_t n = 1; n <= 3; ++n) {
    if (pos + n >= text.size()) break;  // longer alternatives need even more
    if (!clue(kLeads[n - 1], text[pos])) continue;
    bool ok = true;
    for (std::size_t k = 1; k <= n && ok; ++k) ok = clue(kContinuation, text[pos + k]);
    if (ok) return n + 1;
  }
  return 0;
}

}  // namespace

bool is_bad(std::u32string_view text) {
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    for (std::size_t a = 0; a < kBadnessAlternativeCount; ++a) {
      const Span alt = kBadnessAlternatives[a];
      const std::uint16_t* atoms = kBadnessAlternativeAtoms + alt.offset;
      if (match_atoms(text, pos, atoms, atoms + alt.count)) return true;
    }
  }
  return false;
}

std::size_t utf8_detector_match(std::u32string_view text, std::size_t pos) {
  if (pos > 0 && clue(kContinuationStrict, text[pos - 1])) return pos;
  std::size_t end = pos;
  while (std::size_t n = utf8_unit(text, end)) end += n;
  return end;
}

bool utf8_detector_found(std::u32string_view text) {
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    if (utf8_detector_match(text, pos) > pos) return true;
  }
  return false;
}

}  // namespace pixforge::text::ftfy
