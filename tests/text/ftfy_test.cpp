// The C++ restatement of ftfy.fix_text (engine/src/text/ftfy_*.cpp) against
//   - the Python restatement's outputs on 69 strings covering every fixer and mojibake kind
//     (tools/reference/text_ftfy_golden.py), and unicodedata's NFC on 466 strings: exact, as
//     both are sequences of code points;
//   - examples from ftfy's own documentation, with the outputs its docs state, written here
//     by hand (the independent check of the Python restatement);
//   - 400 random strings over a mojibake alphabet (reference outputs, exact);
//   - properties: idempotence on the corpus outputs; arbitrary code points never throw.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ftfy_badness.h"
#include "ftfy_codecs.h"
#include "ftfy_encoding.h"
#include "ftfy_fix_text.h"
#include "ftfy_fixes.h"
#include "ftfy_nfc.h"
#include "testing/golden.h"
#include "testing/paths.h"
#include "utf8.h"

namespace pixforge::text::ftfy {
namespace {

std::vector<std::u32string> strings_of(const testing::Golden& g, const std::string& values,
                                       const std::string& offsets) {
  const auto& v = g.at(values).ints;
  const auto& o = g.at(offsets).ints;
  std::vector<std::u32string> out;
  for (std::size_t i = 0; i + 1 < o.size(); ++i) {
    std::u32string s;
    for (auto k = o[i]; k < o[i + 1]; ++k) s.push_back(static_cast<char32_t>(v[k]));
    out.push_back(s);
  }
  return out;
}

testing::Golden golden() {
  return testing::load_golden(testing::golden_path("text/ftfy_fix_text.safetensors"), 1);
}

std::string fix(const std::string& utf8) { return utf8_encode(fix_text(utf8_decode(utf8))); }

TEST(Ftfy, FixTextMatchesReferenceOnCorpus) {
  const auto g = golden();
  const auto inputs = strings_of(g, "input", "offsets");
  const auto outputs = strings_of(g, "output", "output_offsets");
  ASSERT_EQ(inputs.size(), outputs.size());
  ASSERT_GE(inputs.size(), 60u);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(utf8_encode(fix_text(inputs[i])), utf8_encode(outputs[i])) << "corpus string #" << i;
  }
}

TEST(Ftfy, NfcMatchesUnicodedata) {
  const auto g = golden();
  const auto inputs = strings_of(g, "nfc_input", "nfc_offsets");
  const auto outputs = strings_of(g, "nfc_output", "nfc_output_offsets");
  ASSERT_EQ(inputs.size(), outputs.size());
  ASSERT_GT(inputs.size(), 400u);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(nfc(inputs[i]), outputs[i]) << "NFC string #" << i;
  }
}

TEST(Ftfy, FixTextIsIdempotentOnCorpusOutputs) {
  for (const auto& out : strings_of(golden(), "output", "output_offsets")) {
    EXPECT_EQ(fix_text(out), out) << utf8_encode(out);
  }
}

// Inputs and outputs as ftfy's documentation (fix_text, fix_encoding, fixes.* docstrings and
// README) states them.
TEST(Ftfy, DocumentedExamples) {
  EXPECT_EQ(fix("\u00e2\u0153\u201d No problems"), "\u2714 No problems");
  EXPECT_EQ(fix("&macr;\\_(\u00e3\u0083\u0084)_/&macr;"), "\u00af\\_(\u30c4)_/\u00af");
  EXPECT_EQ(fix("\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33"),
            "LOUD NOISES");
  EXPECT_EQ(fix("s\u00c3\u00b3"), "s\u00f3");
  EXPECT_EQ(fix("voil\u00c3 le travail"), "voil\u00e0 le travail");
  EXPECT_EQ(fix("sch\u00c3\u00b6n"), "sch\u00f6n");
  EXPECT_EQ(fix("u\u00cc\u02c6nicode"), "\u00fcnicode");
  EXPECT_EQ(fix("HTML entities &lt;3"), "HTML entities <3");
  EXPECT_EQ(fix("<em>HTML entities &lt;3</em>"), "<em>HTML entities &lt;3</em>");
  EXPECT_EQ(fix("\ufeffParty like\nit&rsquo;s 1999!"), "Party like\nit's 1999!");
  EXPECT_EQ(fix("\u00c3\u00banico"), "\u00fanico");
  EXPECT_EQ(fix("This \u00e2\u20ac\u201d should be an em dash"),
            "This \u2014 should be an em dash");
  EXPECT_EQ(fix("This text is sad .\u00e2\u0081\u201d."), "This text is sad .\u2054.");
  EXPECT_EQ(fix("\u00c3\u00a0\u00c2\u00b2\u00c2\u00a0_\u00c3\u00a0\u00c2\u00b2\u00c2\u00a0"),
            "\u0ca0_\u0ca0");
  EXPECT_EQ(fix("AH\u00c5\u2122, the new sofa from IKEA\u00ae"),
            "AH\u00c5\u2122, the new sofa from IKEA\u00ae");
  EXPECT_EQ(fix("This text was never UTF-8 at all\u0085"),
            "This text was never UTF-8 at all\u2026");
  EXPECT_EQ(fix("(\u00e0\u00b8\u2021'\u00e2\u0152\u00a3')\u00e0\u00b8\u2021"),
            "(\u0e07'\u2323')\u0e07");
  EXPECT_EQ(fix(std::string(200, 'x') + "\ufb01"), std::string(200, 'x') + "fi");
  EXPECT_EQ(fix(""), "");
  // fixes.* docstrings.
  auto u = [](const char* s) { return utf8_decode(s); };
  EXPECT_EQ(utf8_encode(unescape_html(u("&lt;tag&gt;"))), "<tag>");
  EXPECT_EQ(utf8_encode(unescape_html(u("&Jscr;ohn &HilbertSpace;ancock"))),
            "\U0001d4a5ohn \u210bancock");
  EXPECT_EQ(utf8_encode(unescape_html(u("&checkmark;"))), "\u2713");
  EXPECT_EQ(utf8_encode(unescape_html(u("P&eacute;rez"))), "P\u00e9rez");
  EXPECT_EQ(utf8_encode(unescape_html(u("P&EACUTE;REZ"))), "P\u00c9REZ");
  EXPECT_EQ(utf8_encode(unescape_html(u("BUNDESSTRA&SZLIG;E"))), "BUNDESSTRASSE");
  EXPECT_EQ(utf8_encode(unescape_html(u("&ntilde; &Ntilde; &NTILDE; &nTILDE;"))),
            "\u00f1 \u00d1 \u00d1 &nTILDE;");
  EXPECT_EQ(
      utf8_encode(remove_terminal_escapes(u("\x1b[36;44mI'm blue, da ba dee da ba doo...\x1b[0m"))),
      "I'm blue, da ba dee da ba doo...");
  EXPECT_EQ(utf8_encode(uncurl_quotes(u("\u201chere\u2019s a test\u201d"))), "\"here's a test\"");
  EXPECT_EQ(utf8_encode(fix_latin_ligatures(u("\ufb02u\ufb03e\ufb06"))), "fluffiest");
  EXPECT_EQ(utf8_encode(fix_character_width(u("\uff35\uff80\uff70\uff9d"))), "U\u30bf\u30fc\u30f3");
  EXPECT_EQ(utf8_encode(fix_line_breaks(u("Content-type: text/plain\r\n\r\nHi."))),
            "Content-type: text/plain\n\nHi.");
  EXPECT_EQ(utf8_encode(fix_line_breaks(u("What is this \u0085 I don't even"))),
            "What is this \n I don't even");
  EXPECT_EQ(fix_surrogates(U"\xD83D\xDCA9"), U"\U0001F4A9");
  EXPECT_EQ(fix_surrogates(U"\xDCA9\xD83D"), U"\uFFFD\uFFFD");
  EXPECT_EQ(utf8_encode(fix_encoding(u("\u00c3\u00b3"))), "\u00f3");
  EXPECT_EQ(utf8_encode(fix_encoding(u("&ATILDE;&SUP3;"))), "&ATILDE;&SUP3;");
}

TEST(Ftfy, BadnessFlagsMojibakeNotOrdinaryText) {
  EXPECT_TRUE(is_bad(U"caf\u00c3\u00a9"));
  EXPECT_TRUE(is_bad(U"\u00e2\u20ac\u0153"));
  EXPECT_TRUE(is_bad(U"\u0080"));
  EXPECT_FALSE(is_bad(U"caf\u00e9 na\u00efve r\u00e9sum\u00e9"));
  EXPECT_FALSE(is_bad(U"\u6771\u4eac \U0001F431"));
  EXPECT_FALSE(is_bad(U""));
}

TEST(Ftfy, CodecsRoundTripAndRejectInvalidUtf8) {
  const std::size_t latin1 = charmap_index("latin-1");
  const std::size_t cp1252 = charmap_index("sloppy-windows-1252");
  EXPECT_THROW(charmap_index("utf-16"), std::out_of_range);
  EXPECT_TRUE(possible_encoding(U"\u00e9\u0081", latin1));
  EXPECT_FALSE(possible_encoding(U"\u20ac", latin1));
  EXPECT_TRUE(possible_encoding(U"\u20ac\uFFFD", cp1252));
  EXPECT_FALSE(possible_encoding(U"\x1a", cp1252));  // 0x1A encodes U+FFFD in sloppy codecs
  EXPECT_EQ(encode_single_byte(U"\u20ac\uFFFD", cp1252), "\x80\x1a");
  EXPECT_FALSE(decode_utf8("\xed\xa0\x80").has_value());  // lone surrogate
  EXPECT_FALSE(decode_utf8("\xc0\x80").has_value());      // overlong NUL
  EXPECT_EQ(decode_utf8_variants("a\xc0\x80"
                                 "b"),
            std::u32string(U"a\0b", 3));
  EXPECT_EQ(decode_utf8_variants("\xed\xa0\xbd\xed\xb8\x80"), U"\U0001F600");  // CESU-8
  EXPECT_FALSE(decode_utf8_variants("\xed\xa0\xbd").has_value());
  EXPECT_EQ(restore_byte_a0("\xc3 la"), "\xc3\xa0 la");
  EXPECT_EQ(restore_byte_a0("\xc3 s vezes"), "\xc3\xa0s vezes");  // "s " exception
  EXPECT_EQ(replace_lossy_sequences("\xe2\x80\x1a!"), "\xef\xbf\xbd!");
}

// Random strings over the characters mojibake, entities, escapes and line breaks are made of
// (the reference's outputs; exact).
TEST(Ftfy, RandomMojibakeAlphabetMatchesReference) {
  const auto g = golden();
  const auto inputs = strings_of(g, "random_input", "random_offsets");
  const auto outputs = strings_of(g, "random_output", "random_output_offsets");
  ASSERT_EQ(inputs.size(), outputs.size());
  ASSERT_EQ(inputs.size(), 400u);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(utf8_encode(fix_text(inputs[i])), utf8_encode(outputs[i])) << "random string #" << i;
  }
}

// Arbitrary code points (controls, surrogates, unassigned, the last plane) never throw and
// never leave surrogates behind.
TEST(Ftfy, ArbitraryCodePointsAreHandled) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 500; ++trial) {
    std::u32string s;
    const int n = static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) {
      const char32_t c = rng() % 4 == 0 ? static_cast<char32_t>(rng() % 0x110000)
                                        : static_cast<char32_t>(rng() % 0x300);
      s.push_back(c);
    }
    std::u32string once;
    ASSERT_NO_THROW(once = fix_text(s)) << "trial " << trial;
    for (char32_t c : once) ASSERT_FALSE(c >= 0xD800 && c <= 0xDFFF) << "trial " << trial;
  }
}

}  // namespace
}  // namespace pixforge::text::ftfy
