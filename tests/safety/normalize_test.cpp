// Normalisation against obfuscation (P8): each folding rule on its own.
#include "pixforge/safety/normalize.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace pixforge::safety {
namespace {

// True when some token or joined spelling reads `word`.
bool reads(std::string_view prompt, const std::string& word) {
  const NormalizedPrompt np = normalize_prompt(prompt);
  for (const auto& t : np.tokens) {
    if (std::find(t.forms.begin(), t.forms.end(), word) != t.forms.end()) return true;
  }
  for (const auto& j : np.joined) {
    if (j.text == word || (j.letter_run && j.text.find(word) != std::string::npos)) return true;
  }
  return false;
}

TEST(SafetyNormalize, P8_case_and_diacritics) {
  EXPECT_TRUE(reads("NuDe", "nude"));
  EXPECT_TRUE(
      reads("n\xC3\xBC"
            "de",
            "nude"));  // ü precomposed
  EXPECT_TRUE(
      reads("nu\xCC\x81"
            "de",
            "nude"));  // u + combining acute
  EXPECT_TRUE(
      reads("\xC5\x9A"
            "EXY",
            "sexy"));  // Ś (Latin Extended-A)
}

TEST(SafetyNormalize, P8_zero_width_and_format_characters) {
  EXPECT_TRUE(
      reads("n\xE2\x80\x8Bu\xE2\x80\x8C"
            "d\xE2\x80\x8D"
            "e",
            "nude"));  // ZWSP/ZWNJ/ZWJ
  EXPECT_TRUE(
      reads("n\xC2\xAD"
            "ude",
            "nude"));  // soft hyphen
  EXPECT_TRUE(
      reads("nu\xEF\xBB\xBF"
            "de",
            "nude"));  // BOM
}

TEST(SafetyNormalize, P8_homoglyphs_fullwidth_and_styled_letters) {
  EXPECT_TRUE(reads("nud\xD0\xB5", "nude"));         // Cyrillic е
  EXPECT_TRUE(reads("\xD1\x95\xD0\xB5xy", "sexy"));  // Cyrillic ѕ е
  EXPECT_TRUE(
      reads("\xCE\x9D\xCE\x9F"
            "de",
            "node"));                                                              // Greek Ν Ο
  EXPECT_TRUE(reads("\xEF\xBD\x8E\xEF\xBD\x95\xEF\xBD\x84\xEF\xBD\x85", "nude"));  // fullwidth
  EXPECT_TRUE(reads("\xF0\x9D\x90\xA7\xF0\x9D\x90\xAE\xF0\x9D\x90\x9D\xF0\x9D\x90\x9E",
                    "nude"));  // mathematical bold
  EXPECT_TRUE(reads("\xE2\x93\x9D\xE2\x93\xA4\xE2\x93\x93\xE2\x93\x94", "nude"));  // circled
}

TEST(SafetyNormalize, P8_leetspeak_only_inside_words) {
  EXPECT_TRUE(reads("n4k3d", "naked"));
  EXPECT_TRUE(reads("$exy", "sexy"));
  EXPECT_TRUE(reads("n!pple", "nipple"));
  // A number on its own stays a number (ages must survive normalisation).
  const NormalizedPrompt np = normalize_prompt("a 12 year old");
  ASSERT_EQ(np.tokens.size(), 4u);
  EXPECT_TRUE(np.tokens[1].numeric);
  EXPECT_EQ(np.tokens[1].forms[0], "12");
}

TEST(SafetyNormalize, P8_repetition_punctuation_and_spacing) {
  EXPECT_TRUE(reads("nuuuuude", "nude"));
  EXPECT_TRUE(reads("boooobs", "boobs"));
  EXPECT_TRUE(reads("n.u.d.e", "nude"));
  EXPECT_TRUE(reads("nu*de", "nude"));
  EXPECT_TRUE(reads("n_a_k_e_d", "naked"));
  EXPECT_TRUE(reads("n u d e", "nude"));
}

TEST(SafetyNormalize, P8_benign_words_stay_whole) {
  // Token-level reading: Scunthorpe and Sussex do not contain words, they are words.
  const NormalizedPrompt np = normalize_prompt("Scunthorpe Sussex therapist");
  ASSERT_EQ(np.tokens.size(), 3u);
  EXPECT_EQ(np.tokens[0].forms[0], "scunthorpe");
  EXPECT_EQ(np.tokens[1].forms[0], "sussex");
  EXPECT_TRUE(np.joined.empty());
}

TEST(SafetyNormalize, P8_space_split_fragments_join_but_short_words_do_not) {
  EXPECT_TRUE(reads("a nu de woman", "nude"));
  EXPECT_TRUE(reads("po rn star", "porn"));
  // Real short words never join: "a pen is", "an al fresco".
  for (const char* s : {"a pen is here", "an al fresco lunch"}) {
    const NormalizedPrompt np = normalize_prompt(s);
    EXPECT_TRUE(np.joined.empty()) << s;
  }
  // Punctuation after a token is remembered ("girl, 16": an age set off by a comma).
  const NormalizedPrompt np = normalize_prompt("a girl, 16");
  ASSERT_EQ(np.tokens.size(), 3u);
  EXPECT_TRUE(np.tokens[1].punct_after);
  EXPECT_FALSE(np.tokens[2].punct_after);
}

TEST(SafetyNormalize, P8_spans_point_into_the_original) {
  const std::string prompt =
      "a  n\xC3\xBC"
      "de  woman";
  const NormalizedPrompt np = normalize_prompt(prompt);
  ASSERT_EQ(np.tokens.size(), 3u);
  EXPECT_EQ(prompt.substr(np.tokens[1].begin, np.tokens[1].end - np.tokens[1].begin),
            "n\xC3\xBC"
            "de");
}

TEST(SafetyNormalize, P8_invalid_utf8_never_throws) {
  const std::string bad[] = {"\xFF\xFE nude",        "nu\xC3",  "\xE2\x82", "\xF4\x90\x80\x80",
                             std::string("a\0b", 3), "\xC0\xAF"};
  for (const auto& s : bad) {
    EXPECT_NO_THROW(normalize_prompt(s));
  }
  EXPECT_TRUE(reads("\xFF\xFE nude", "nude"));
}

}  // namespace
}  // namespace pixforge::safety
