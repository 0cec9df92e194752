// Pattern matching over normalised tokens, and age expressions that mark a minor.
#include "matcher.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace pixforge::safety::detail {
namespace {

constexpr std::size_t kMaxGap = 3;  // "..." skips up to this many words

bool word_matches(const std::string& word, const std::string& form) {
  if (!word.empty() && word.back() == '*') {
    return form.size() >= word.size() - 1 &&
           form.compare(0, word.size() - 1, word, 0, word.size() - 1) == 0;
  }
  return form == word;
}

bool token_matches(const std::string& word, const Token& t) {
  return std::any_of(t.forms.begin(), t.forms.end(),
                     [&](const std::string& f) { return word_matches(word, f); });
}

// Matches words[w..] starting at token t; on success sets *last to the final token.
bool match_from(const Pattern& p, std::size_t w, const NormalizedPrompt& np, std::size_t t,
                std::size_t* last) {
  if (w == p.words.size()) return true;
  if (p.words[w] == "...") {
    for (std::size_t skip = 0; skip <= kMaxGap && t + skip <= np.tokens.size(); ++skip) {
      if (match_from(p, w + 1, np, t + skip, last)) return true;
    }
    return false;
  }
  if (t >= np.tokens.size() || !token_matches(p.words[w], np.tokens[t])) return false;
  *last = t;
  return match_from(p, w + 1, np, t + 1, last);
}

std::string_view stem(const std::string& word) {
  return !word.empty() && word.back() == '*' ? std::string_view(word).substr(0, word.size() - 1)
                                             : std::string_view(word);
}

// A letter-by-letter run may start with up to two real one-letter words ("a n u d e"): the
// term must match what follows them to the end of the run (so "a s e x y" reads "sexy", and
// not also "sex").
// Returns how many leading letters were skipped, or -1.
int run_match(const std::string& word, const std::string& run) {
  if (stem(word).size() < 3) return -1;
  for (std::size_t skip = 0; skip <= 2 && skip < run.size(); ++skip) {
    if (word_matches(word, run.substr(skip))) return static_cast<int>(skip);
  }
  return -1;
}

bool is_year_word(std::string_view s) {
  for (std::string_view w : {"year", "years", "yr", "yrs", "yo", "y", "yearold", "yearsold"}) {
    if (s == w) return true;
  }
  return false;
}

// "12yo", "12yr", "9yearold": an age glued to its unit.
int glued_age(const std::string& raw) {
  std::size_t i = 0;
  while (i < raw.size() && i < 3 && raw[i] >= '0' && raw[i] <= '9') ++i;
  if (i == 0 || i == raw.size() || !is_year_word(std::string_view(raw).substr(i))) return -1;
  return std::stoi(raw.substr(0, i));
}

int number_word(const std::string& raw) {
  static constexpr std::array<std::string_view, 18> kWords = {
      "zero", "one", "two",    "three",  "four",     "five",     "six",     "seven",   "eight",
      "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"};
  for (std::size_t i = 0; i < kWords.size(); ++i) {
    if (raw == kWords[i]) return static_cast<int>(i);
  }
  return -1;
}

int token_number(const Token& t) {
  if (t.numeric && t.raw.size() <= 3) return std::stoi(t.raw);
  return number_word(t.raw);
}

// People an age can follow as an apposition ("a girl, 16", "boy (14)").
bool is_person_word(std::string_view s) {
  for (std::string_view w :
       {"girl",  "girls",  "boy",     "boys",        "woman",    "man",   "lady",   "guy",
        "model", "person", "student", "cheerleader", "daughter", "son",   "sister", "brother",
        "niece", "nephew", "teen",    "teenager",    "kid",      "child", "she",    "he"}) {
    if (s == w) return true;
  }
  return false;
}

}  // namespace

std::vector<Span> find_all(const Pattern& p, const NormalizedPrompt& np) {
  std::vector<Span> out;
  for (std::size_t t = 0; t < np.tokens.size(); ++t) {
    std::size_t last = t;
    if (match_from(p, 0, np, t, &last)) out.push_back({t, last});
  }
  if (p.words.size() != 1) return out;
  const std::string& word = p.words[0];
  for (const auto& j : np.joined) {
    if (!j.letter_run) {
      if (word_matches(word, j.text)) out.push_back({j.first, j.last});
      continue;
    }
    // Each letter of a run is one token, so skipped letters are skipped tokens (clamped:
    // a non-ASCII letter is several bytes of the run's text).
    const int skip = run_match(word, j.text);
    if (skip >= 0)
      out.push_back({std::min(j.first + static_cast<std::size_t>(skip), j.last), j.last});
  }
  return out;
}

void find_any(const std::vector<Pattern>& patterns, const NormalizedPrompt& np,
              std::vector<Span>& out) {
  for (const auto& p : patterns) {
    auto spans = find_all(p, np);
    out.insert(out.end(), spans.begin(), spans.end());
  }
}

bool mentions_minor_age(const NormalizedPrompt& np) {
  const auto& tk = np.tokens;
  for (std::size_t i = 0; i < tk.size(); ++i) {
    const int glued = glued_age(tk[i].raw);
    if (glued >= 0 && glued < 18) return true;
    const int n = token_number(tk[i]);
    if (n < 0 || n >= 18) continue;
    // "12 year old", "12 yo", "12 y/o" (split into "y", "o"), "12-year-old".
    if (i + 1 < tk.size() && is_year_word(tk[i + 1].raw)) return true;
    // "aged 12", "age 12", "age: 12".
    if (i > 0 && (tk[i - 1].raw == "aged" || tk[i - 1].raw == "age")) return true;
    // "a girl, 16", "a boy (14) on a bed", "a girl 15": an age set off after a person word
    // (by punctuation, or ending the prompt), not a count ("a girl 16 feet tall").
    if (n > 0 && i > 0 && is_person_word(tk[i - 1].raw) &&
        (tk[i - 1].punct_after || tk[i].punct_after || i + 1 == tk.size())) {
      return true;
    }
  }
  return false;
}

}  // namespace pixforge::safety::detail
