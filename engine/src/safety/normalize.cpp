// Prompt normalisation (see normalize.h for what is folded and why).
#include "pixforge/safety/normalize.h"

#include <algorithm>

#include "unicode_fold.h"

namespace pixforge::safety {
namespace {

using detail::CharClass;

struct Char {
  char32_t folded = 0;  // look-alike folded, diacritics stripped, lower case
  char32_t native = 0;  // diacritics stripped, lower case
  CharClass cls = CharClass::Punct;
  bool leet_symbol = false;  // '@', '$', ... acting as a letter inside a word
  std::size_t begin = 0, end = 0;
};

std::vector<Char> prepare_chars(std::string_view utf8) {
  std::vector<Char> out;
  for (const auto& cp : detail::decode_utf8(utf8)) {
    const char32_t styled = detail::fold_style(cp.cp);
    const CharClass cls = detail::classify(styled);
    if (cls == CharClass::Invisible) continue;
    Char c;
    c.cls = cls;
    c.native = detail::to_lower(detail::strip_diacritic(styled));
    c.folded = detail::to_lower(detail::strip_diacritic(detail::fold_lookalike(styled)));
    c.begin = cp.begin;
    c.end = cp.end;
    out.push_back(c);
  }
  // Leet symbols count as letters only inside words: "$ex" and "n!pple", not "wow!".
  auto wordish = [&](std::size_t i) {
    return i < out.size() && (out[i].cls == CharClass::Letter || out[i].cls == CharClass::Digit);
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].cls != CharClass::Punct || detail::leet_letter(out[i].folded) == 0) continue;
    const bool before = i > 0 && wordish(i - 1), after = wordish(i + 1);
    const bool strong = out[i].folded == '@' || out[i].folded == '$' || out[i].folded == 0x20AC;
    if (strong ? (before || after) : (before && after)) out[i].leet_symbol = true;
  }
  return out;
}

bool is_word_char(const Char& c) {
  return c.cls == CharClass::Letter || c.cls == CharClass::Digit || c.leet_symbol;
}

// Runs of 3+ identical characters collapsed to `keep` copies ("nuuude" -> "nude"/"nuude").
std::string collapse_repeats(const std::u32string& s, std::size_t keep) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t j = i;
    while (j < s.size() && s[j] == s[i]) ++j;
    const std::size_t n = j - i >= 3 ? std::min(keep, j - i) : j - i;
    for (std::size_t k = 0; k < n; ++k) detail::append_utf8(out, s[i]);
    i = j;
  }
  return out;
}

void add_form(std::vector<std::string>& forms, std::string f) {
  if (!f.empty() && std::find(forms.begin(), forms.end(), f) == forms.end()) {
    forms.push_back(std::move(f));
  }
}

// Spellings of the word made of chars [first, last).
std::vector<std::string> word_forms(const std::vector<Char>& chars, std::size_t first,
                                    std::size_t last, bool has_letter, std::string* raw) {
  std::u32string folded, native;
  for (std::size_t i = first; i < last; ++i) {
    const Char& c = chars[i];
    if (!is_word_char(c)) continue;
    const bool leetable = c.cls != CharClass::Letter && has_letter;
    const char32_t l = leetable ? detail::leet_letter(c.folded) : 0;
    folded.push_back(l != 0 ? l : c.folded);
    native.push_back(c.native);
  }
  std::vector<std::string> forms;
  add_form(forms, collapse_repeats(folded, 1000));
  add_form(forms, collapse_repeats(folded, 1));
  add_form(forms, collapse_repeats(folded, 2));
  std::string native_utf8 = collapse_repeats(native, 1000);
  add_form(forms, native_utf8);
  if (raw != nullptr) *raw = std::move(native_utf8);
  return forms;
}

Token make_token(const std::vector<Char>& chars, std::size_t first, std::size_t last,
                 std::size_t chunk) {
  Token t;
  t.chunk = chunk;
  t.begin = chars[first].begin;
  t.end = chars[last - 1].end;
  t.numeric = true;
  for (std::size_t i = first; i < last; ++i) {
    if (chars[i].cls == CharClass::Letter) t.has_letter = true;
    if (chars[i].cls != CharClass::Digit || chars[i].folded > 0x7F) t.numeric = false;
  }
  t.forms = word_forms(chars, first, last, t.has_letter, &t.raw);
  return t;
}

// Single-character tokens ("n u d e") joined into one spelling, runs of 3 or more.
void join_letter_runs(const std::vector<Token>& tokens, std::vector<Joined>& joined) {
  // One code point, whatever its UTF-8 length.
  auto single = [](const Token& t) {
    return std::count_if(t.raw.begin(), t.raw.end(), [](char ch) { return (ch & 0xC0) != 0x80; }) ==
           1;
  };
  for (std::size_t i = 0; i < tokens.size();) {
    std::size_t j = i;
    while (j < tokens.size() && single(tokens[j])) ++j;
    if (j - i >= 3) {
      Joined run;
      for (std::size_t k = i; k < j; ++k) run.text += tokens[k].forms[0];
      run.first = i;
      run.last = j - 1;
      run.letter_run = true;
      joined.push_back(std::move(run));
    }
    i = j == i ? i + 1 : j;
  }
}

// Short English words: never read as the fragment of a split word, so "a pen is" stays three
// words and "an al fresco lunch" does not spell a term.
bool is_short_word(const std::string& w) {
  static const std::vector<std::string_view> kWords = {
      "a",   "i",   "ad",  "ah",  "am",  "an",  "as",  "at",  "aw",  "ax",  "be",  "by",  "do",
      "eh",  "ex",  "go",  "ha",  "he",  "hi",  "if",  "in",  "is",  "it",  "la",  "lo",  "ma",
      "me",  "mr",  "ms",  "my",  "no",  "of",  "oh",  "ok",  "on",  "or",  "ox",  "pa",  "pi",
      "so",  "to",  "tv",  "uh",  "um",  "up",  "us",  "we",  "ye",  "yo",  "ace", "act", "add",
      "age", "ago", "aid", "aim", "air", "all", "and", "ant", "any", "ape", "arc", "are", "ark",
      "arm", "art", "ash", "ask", "ate", "awe", "bad", "bag", "ban", "bar", "bat", "bay", "bed",
      "bee", "bet", "big", "bin", "bit", "bow", "box", "boy", "bud", "bug", "bus", "but", "buy",
      "cab", "can", "cap", "car", "cat", "cow", "cry", "cub", "cup", "cut", "dad", "day", "den",
      "dew", "did", "die", "dig", "dim", "dip", "dog", "dot", "dry", "due", "dug", "dye", "ear",
      "eat", "egg", "ego", "elf", "elk", "elm", "end", "era", "eve", "eye", "fan", "far", "fat",
      "fed", "few", "fig", "fin", "fir", "fit", "fix", "fly", "fog", "for", "fox", "fry", "fun",
      "fur", "gap", "gas", "gel", "gem", "get", "gin", "god", "got", "gum", "gun", "gut", "guy",
      "gym", "had", "ham", "has", "hat", "hay", "hen", "her", "hey", "hid", "him", "hip", "his",
      "hit", "hog", "hot", "how", "hub", "hue", "hug", "hut", "ice", "icy", "ill", "ink", "inn",
      "ion", "its", "ivy", "jam", "jar", "jaw", "jay", "jet", "job", "jog", "joy", "jug", "key",
      "kid", "kin", "kit", "lab", "lad", "lap", "law", "lay", "led", "leg", "let", "lid", "lie",
      "lip", "lit", "log", "lot", "low", "mad", "man", "map", "mat", "may", "men", "met", "mix",
      "mob", "mom", "mop", "mud", "mug", "mum", "nap", "net", "new", "nor", "not", "now", "nun",
      "nut", "oak", "oar", "oat", "odd", "off", "oil", "old", "one", "orb", "ore", "our", "out",
      "owl", "own", "pad", "pan", "paw", "pay", "pea", "pen", "pet", "pie", "pig", "pin", "pit",
      "pop", "pot", "pro", "pub", "pun", "pup", "put", "rag", "ram", "ran", "rat", "raw", "ray",
      "red", "rib", "rid", "rig", "rim", "rip", "rob", "rod", "rot", "row", "rub", "rug", "run",
      "rye", "sad", "sat", "saw", "say", "sea", "see", "set", "sew", "she", "shy", "sip", "sir",
      "sit", "six", "ski", "sky", "sly", "sob", "son", "soy", "spa", "spy", "sum", "sun", "tab",
      "tag", "tan", "tap", "tar", "tea", "ten", "the", "tie", "tin", "tip", "toe", "ton", "too",
      "top", "toy", "try", "tub", "tug", "two", "urn", "use", "van", "vet", "via", "war", "was",
      "wax", "way", "web", "wed", "wet", "who", "why", "wig", "win", "wit", "won", "woo", "wow",
      "yak", "yam", "yes", "yet", "you", "zip", "zoo"};
  return std::find(kWords.begin(), kWords.end(), w) != kWords.end();
}

// A short lettered token that is no word of its own: a piece of a word split by spaces.
bool is_fragment(const Token& t) {
  const std::size_t n = t.raw.size();
  return t.has_letter && !t.numeric && n >= 2 && n <= 3 && !is_short_word(t.raw);
}

// Runs of 2..4 fragments in neighbouring chunks joined into one spelling ("nu de" -> "nude",
// "po rn" -> "porn"); every contiguous stretch of 2 or more, so a term need not fill the run.
void join_fragments(const std::vector<Token>& tokens, std::vector<Joined>& joined) {
  constexpr std::size_t kMaxRun = 4;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::string text = tokens[i].forms[0];
    for (std::size_t j = i + 1; j < tokens.size() && j - i < kMaxRun; ++j) {
      if (!is_fragment(tokens[i]) || !is_fragment(tokens[j]) ||
          tokens[j].chunk != tokens[j - 1].chunk + 1)
        break;
      text += tokens[j].forms[0];
      joined.push_back({text, i, j, false});
    }
  }
}

}  // namespace

NormalizedPrompt normalize_prompt(std::string_view utf8) {
  const std::vector<Char> chars = prepare_chars(utf8);
  NormalizedPrompt out;
  std::size_t chunk = 0;
  for (std::size_t i = 0; i < chars.size();) {
    if (chars[i].cls == CharClass::Space) {
      ++i;
      continue;
    }
    std::size_t chunk_end = i;
    while (chunk_end < chars.size() && chars[chunk_end].cls != CharClass::Space) ++chunk_end;
    const std::size_t first_token = out.tokens.size();
    for (std::size_t p = i; p < chunk_end;) {
      if (!is_word_char(chars[p])) {
        ++p;
        continue;
      }
      std::size_t q = p;
      while (q < chunk_end && is_word_char(chars[q])) ++q;
      out.tokens.push_back(make_token(chars, p, q, chunk));
      out.tokens.back().punct_after = q < chunk_end;
      p = q;
    }
    // A chunk split by punctuation ("n.u.d.e", "nu*de") is also read as one word.
    if (out.tokens.size() - first_token > 1) {
      bool has_letter = false;
      for (std::size_t k = first_token; k < out.tokens.size(); ++k) {
        has_letter = has_letter || out.tokens[k].has_letter;
      }
      for (auto& form : word_forms(chars, i, chunk_end, has_letter, nullptr)) {
        out.joined.push_back({std::move(form), first_token, out.tokens.size() - 1, false});
      }
    }
    if (out.tokens.size() > first_token) ++chunk;
    i = chunk_end;
  }
  join_letter_runs(out.tokens, out.joined);
  join_fragments(out.tokens, out.joined);
  return out;
}

std::string fold_term(std::string_view utf8) {
  std::string out;
  for (const auto& cp : detail::decode_utf8(utf8)) {
    const char32_t styled = detail::fold_style(cp.cp);
    if (detail::classify(styled) == CharClass::Invisible) continue;
    detail::append_utf8(out, detail::to_lower(detail::strip_diacritic(styled)));
  }
  return out;
}

}  // namespace pixforge::safety
