// Character tables for prompt normalisation. Ranges are from the Unicode code charts; only
// what obfuscated prompts actually use is folded (Latin with diacritics, fullwidth, maths and
// circled letter styles, small capitals, and the Cyrillic/Greek letters that pass for Latin).
#include "unicode_fold.h"

#include <array>
#include <utility>

namespace pixforge::safety::detail {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// U+00C0..U+00FF and U+0100..U+017F -> base letter (' ' for × and ÷, which are not letters).
constexpr std::string_view kLatin1 =
    "AAAAAAACEEEEIIIIDNOOOOO OUUUUYTsaaaaaaaceeeeiiiidnooooo ouuuuyty";
constexpr std::string_view kLatinExtA =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOo"
    "RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
static_assert(kLatin1.size() == 64 && kLatinExtA.size() == 128);

// Look-alikes, upper case first: the upper and lower forms of a letter often resemble
// different Latin letters (Greek Η ~ H, η ~ n).
constexpr std::pair<char32_t, char> kLookalikes[] = {
    // Cyrillic upper case
    {0x0405, 's'}, {0x0406, 'i'}, {0x0407, 'i'}, {0x0408, 'j'}, {0x0410, 'a'}, {0x0412, 'b'},
    {0x0415, 'e'}, {0x041A, 'k'}, {0x041C, 'm'}, {0x041D, 'h'}, {0x041E, 'o'}, {0x0420, 'p'},
    {0x0421, 'c'}, {0x0422, 't'}, {0x0423, 'y'}, {0x0425, 'x'}, {0x0401, 'e'},
    // Cyrillic lower case
    {0x0430, 'a'}, {0x0432, 'b'}, {0x0435, 'e'}, {0x043A, 'k'}, {0x043C, 'm'}, {0x043D, 'h'},
    {0x043E, 'o'}, {0x0440, 'p'}, {0x0441, 'c'}, {0x0442, 't'}, {0x0443, 'y'}, {0x0445, 'x'},
    {0x0451, 'e'}, {0x0455, 's'}, {0x0456, 'i'}, {0x0457, 'i'}, {0x0458, 'j'}, {0x0501, 'd'},
    {0x04BB, 'h'}, {0x051B, 'q'}, {0x051D, 'w'}, {0x0491, 'r'},
    // Greek upper case
    {0x0391, 'a'}, {0x0392, 'b'}, {0x0395, 'e'}, {0x0396, 'z'}, {0x0397, 'h'}, {0x0399, 'i'},
    {0x039A, 'k'}, {0x039C, 'm'}, {0x039D, 'n'}, {0x039F, 'o'}, {0x03A1, 'p'}, {0x03A4, 't'},
    {0x03A5, 'y'}, {0x03A7, 'x'},
    // Greek lower case
    {0x03B1, 'a'}, {0x03B2, 'b'}, {0x03B5, 'e'}, {0x03B7, 'n'}, {0x03B9, 'i'}, {0x03BA, 'k'},
    {0x03BD, 'v'}, {0x03BF, 'o'}, {0x03C1, 'p'}, {0x03C4, 't'}, {0x03C5, 'u'}, {0x03C7, 'x'},
    {0x03C9, 'w'}, {0x03AC, 'a'}, {0x03AD, 'e'}, {0x03AF, 'i'}, {0x03CC, 'o'}, {0x03CD, 'u'},
    // IPA and small capitals that pass for Latin letters
    {0x0251, 'a'}, {0x0261, 'g'}, {0x026A, 'i'}, {0x0274, 'n'}, {0x0280, 'r'}, {0x028F, 'y'},
    {0x1D00, 'a'}, {0x0299, 'b'}, {0x1D04, 'c'}, {0x1D05, 'd'}, {0x1D07, 'e'}, {0x0262, 'g'},
    {0x029C, 'h'}, {0x1D0A, 'j'}, {0x1D0B, 'k'}, {0x029F, 'l'}, {0x1D0D, 'm'}, {0x1D0F, 'o'},
    {0x1D18, 'p'}, {0x0280, 'r'}, {0xA731, 's'}, {0x1D1B, 't'}, {0x1D1C, 'u'}, {0x1D20, 'v'},
    {0x1D21, 'w'}, {0x1D22, 'z'},
};

bool in(char32_t cp, char32_t lo, char32_t hi) { return cp >= lo && cp <= hi; }

}  // namespace

std::vector<CodePoint> decode_utf8(std::string_view s) {
  std::vector<CodePoint> out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
    char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      ok = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Reject overlong forms, surrogates and out-of-range values as well as malformed bytes.
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < kMin[len] || cp > 0x10FFFF || in(cp, 0xD800, 0xDFFF))) ok = false;
    if (!ok) {
      out.push_back({kReplacement, i, i + 1});
      ++i;
      continue;
    }
    out.push_back({cp, i, i + len});
    i += len;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

CharClass classify(char32_t cp) {
  if (cp < 0x80) {
    if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return CharClass::Letter;
    if (cp >= '0' && cp <= '9') return CharClass::Digit;
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) return CharClass::Space;
    return cp < 0x20 || cp == 0x7F ? CharClass::Space : CharClass::Punct;
  }
  // Invisible: soft hyphen, combining marks, zero-width and bidi controls, word joiners,
  // variation selectors, BOM, Mongolian vowel separator, tag characters.
  if (cp == 0x00AD || cp == 0x034F || cp == 0x180E || cp == 0xFEFF || in(cp, 0x0300, 0x036F) ||
      in(cp, 0x1AB0, 0x1AFF) || in(cp, 0x1DC0, 0x1DFF) || in(cp, 0x20D0, 0x20FF) ||
      in(cp, 0xFE20, 0xFE2F) || in(cp, 0x200B, 0x200F) || in(cp, 0x202A, 0x202E) ||
      in(cp, 0x2060, 0x206F) || in(cp, 0xFE00, 0xFE0F) || in(cp, 0xE0000, 0xE007F)) {
    return CharClass::Invisible;
  }
  if (cp == 0x00A0 || cp == 0x1680 || in(cp, 0x2000, 0x200A) || cp == 0x2028 || cp == 0x2029 ||
      cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0x0085) {
    return CharClass::Space;
  }
  if (in(cp, 0x80, 0xBF) || cp == 0xD7 || cp == 0xF7 || in(cp, 0x2010, 0x2BFF) ||
      in(cp, 0x3001, 0x303F) || in(cp, 0xFE10, 0xFE1F) || in(cp, 0xFE30, 0xFE6F) ||
      in(cp, 0xE000, 0xF8FF) || in(cp, 0x1F000, 0x1FAFF) || cp == kReplacement ||
      in(cp, 0x02B0, 0x02FF)) {
    return CharClass::Punct;
  }
  return CharClass::Letter;  // every other script counts as letters
}

char32_t fold_style(char32_t cp) {
  if (in(cp, 0xFF01, 0xFF5E)) return cp - 0xFEE0;  // fullwidth ASCII
  if (in(cp, 0x24B6, 0x24CF)) return U'a' + (cp - 0x24B6);  // circled capitals
  if (in(cp, 0x24D0, 0x24E9)) return U'a' + (cp - 0x24D0);  // circled small
  if (in(cp, 0x1F130, 0x1F149)) return U'a' + (cp - 0x1F130);  // squared capitals
  if (in(cp, 0x1F150, 0x1F169)) return U'a' + (cp - 0x1F150);  // negative circled
  if (in(cp, 0x1F170, 0x1F189)) return U'a' + (cp - 0x1F170);  // negative squared
  if (in(cp, 0x1F1E6, 0x1F1FF)) return U'a' + (cp - 0x1F1E6);  // regional indicators
  // Mathematical alphanumerics: 13 styles of 52 letters (A-Z a-z), then digits in 5 styles.
  if (in(cp, 0x1D400, 0x1D6A3)) {
    const char32_t k = (cp - 0x1D400) % 52;
    return k < 26 ? U'a' + k : U'a' + (k - 26);
  }
  if (in(cp, 0x1D7CE, 0x1D7FF)) return U'0' + (cp - 0x1D7CE) % 10;
  return cp;
}

char32_t strip_diacritic(char32_t cp) {
  if (in(cp, 0xC0, 0xFF)) return static_cast<char32_t>(kLatin1[cp - 0xC0]);
  if (in(cp, 0x100, 0x17F)) return static_cast<char32_t>(kLatinExtA[cp - 0x100]);
  return cp;
}

char32_t to_lower(char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (in(cp, 0x391, 0x3A9) && cp != 0x3A2) return cp + 32;  // Greek
  if (in(cp, 0x410, 0x42F)) return cp + 32;                 // Cyrillic А-Я
  if (in(cp, 0x400, 0x40F)) return cp + 80;                 // Cyrillic Ѐ-Џ
  return cp;
}

char32_t fold_lookalike(char32_t cp) {
  for (const auto& [from, to] : kLookalikes) {
    if (from == cp) return static_cast<char32_t>(to);
  }
  return cp;
}

char32_t leet_letter(char32_t cp) {
  switch (cp) {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '8': return 'b';
    case '9': return 'g';
    case '@': return 'a';
    case '$': return 's';
    case '!': return 'i';
    case '|': return 'l';
    case 0x20AC: return 'e';  // €
    default: return 0;
  }
}

}  // namespace pixforge::safety::detail
