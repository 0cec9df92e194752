// Finding rule patterns in a normalised prompt.
#pragma once

#include <cstddef>
#include <vector>

#include "pixforge/safety/normalize.h"
#include "pixforge/safety/rules.h"

namespace pixforge::safety::detail {

struct Span {
  std::size_t first = 0, last = 0;  // token range, inclusive
  bool inside(const Span& outer) const { return outer.first <= first && last <= outer.last; }
};

// Every place `p` matches: word sequences over tokens, and (single-word patterns) the joined
// spellings of punctuated chunks and letter-by-letter runs.
std::vector<Span> find_all(const Pattern& p, const NormalizedPrompt& prompt);

// Spans of all `patterns`, appended to `out`.
void find_any(const std::vector<Pattern>& patterns, const NormalizedPrompt& prompt,
              std::vector<Span>& out);

// Whether a prompt states an age under 18 ("12 year old", "12yo", "aged 9", "nine years old").
bool mentions_minor_age(const NormalizedPrompt& prompt);

}  // namespace pixforge::safety::detail
