// Prompt normalisation for the safety screener (P8): turns a UTF-8 prompt into tokens whose
// text defeats common obfuscation, while remembering where each token came from so that a
// rewrite can replace exactly the words that triggered it.
//
// Folded away: case, diacritics (precomposed and combining), zero-width and other invisible
// format characters, fullwidth forms, mathematical/circled letter styles, Cyrillic and Greek
// look-alikes of Latin letters, leetspeak digits and symbols (inside words that hold a letter),
// letter repetition ("nuuude"), punctuation inside a word ("n.u.d.e", "nu*de"), words spelt
// out letter by letter ("n u d e") and words split by spaces into short fragments that are not
// words themselves ("nu de", "po rn"). Invalid UTF-8 never throws: bad bytes act as separators.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pixforge::safety {

struct Token {
  // Spellings a term may match: [0] the fully folded form; further entries are the
  // repetition-collapsed forms and the native-script form (Cyrillic/Greek words without the
  // look-alike folding, for rules written in those languages). Deduplicated.
  std::vector<std::string> forms;
  std::string raw;        // lower-cased, diacritics removed, no leet/look-alike folding
  std::size_t begin = 0;  // byte span in the original prompt
  std::size_t end = 0;
  std::size_t chunk = 0;  // index of the whitespace-separated chunk holding this token
  bool has_letter = false;
  bool numeric = false;      // only ASCII digits (raw)
  bool punct_after = false;  // punctuation follows it in its chunk ("girl," "16)")
};

// A spelling built from several tokens: a chunk whose pieces were split by punctuation
// ("n.u.d.e" -> "nude"), a run of single-character tokens ("n u d e" -> "nude"), or
// neighbouring short fragments that are no English word ("nu de" -> "nude").
struct Joined {
  std::string text;       // folded
  std::size_t first = 0;  // token range [first, last]
  std::size_t last = 0;
  bool letter_run = false;  // a run of single letters: terms may match anywhere inside it
};

struct NormalizedPrompt {
  std::vector<Token> tokens;
  std::vector<Joined> joined;
};

NormalizedPrompt normalize_prompt(std::string_view utf8);

// The folding applied to one rule term (lower-case, diacritics, look-alikes; no leet, since
// rule authors write plain words). Exposed for the rules loader and tests.
std::string fold_term(std::string_view utf8);

}  // namespace pixforge::safety
