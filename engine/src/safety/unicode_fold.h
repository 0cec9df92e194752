// Code-point level helpers for prompt normalisation: UTF-8 decoding that never fails, and the
// per-character folds (style variants, diacritics, case, look-alikes, leetspeak).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pixforge::safety::detail {

struct CodePoint {
  char32_t cp = 0;
  std::size_t begin = 0, end = 0;  // byte span in the input
};

// Invalid or truncated sequences decode to U+FFFD (one per bad byte), so input never throws.
std::vector<CodePoint> decode_utf8(std::string_view s);
void append_utf8(std::string& out, char32_t cp);

enum class CharClass { Letter, Digit, Space, Punct, Invisible };
// Class after style folding: Invisible = zero-width/format/combining marks (dropped).
CharClass classify(char32_t cp);

// Fullwidth, mathematical alphanumeric, circled and small-capital letters -> ASCII.
char32_t fold_style(char32_t cp);
// Precomposed Latin letters -> their base letter (é -> e); also lower-cases ASCII/Latin.
char32_t strip_diacritic(char32_t cp);
// Simple lower-casing for ASCII, Latin-1, Greek and Cyrillic.
char32_t to_lower(char32_t cp);
// Cyrillic/Greek letters that look like Latin ones -> that Latin letter; others unchanged.
// Applied to upper case first (Η looks like H, η like n), so call before to_lower.
char32_t fold_lookalike(char32_t cp);
// Leetspeak digit/symbol -> letter (0 -> o, 3 -> e, @ -> a, $ -> s, ...); 0 when not leet.
char32_t leet_letter(char32_t cp);

}  // namespace pixforge::safety::detail
