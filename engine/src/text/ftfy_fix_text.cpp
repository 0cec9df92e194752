#include "ftfy_fix_text.h"

#include <algorithm>

#include "ftfy_encoding.h"
#include "ftfy_fixes.h"
#include "ftfy_nfc.h"

namespace pixforge::text::ftfy {
namespace {

// ftfy's max_decode_length: longer lines are cut into segments of this many code points.
constexpr std::size_t kMaxSegment = 1'000'000;

// ftfy repeats its rounds without a bound. Every real case settles in a few rounds (each
// change removes mojibake, references, controls or decomposed forms); the bound only keeps a
// hypothetical input that never settles from hanging a request.
constexpr int kMaxRounds = 64;

// fix_and_explain without explanations: every fixer in ftfy's order, repeated until a round
// changes nothing.
std::u32string fix_segment(std::u32string text, bool unescape) {
  for (int round = 0; round < kMaxRounds; ++round) {
    const std::u32string original = text;
    if (unescape) text = unescape_html(text);
    text = fix_encoding(text);
    text = fix_c1_controls(text);
    text = fix_latin_ligatures(text);
    text = fix_character_width(text);
    text = uncurl_quotes(text);
    text = fix_line_breaks(text);
    text = fix_surrogates(text);
    text = remove_terminal_escapes(text);
    text = remove_control_chars(text);
    text = nfc(text);
    if (text == original) break;
  }
  return text;
}

}  // namespace

std::u32string fix_text(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  bool unescape = true;  // "auto": off from the first segment holding a '<' on
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t newline = text.find(U'\n', pos);
    std::size_t end = newline == std::u32string::npos ? text.size() : newline + 1;
    end = std::min(end, pos + kMaxSegment);
    const std::u32string segment = text.substr(pos, end - pos);
    if (segment.find(U'<') != std::u32string::npos) unescape = false;
    out += fix_segment(segment, unescape);
    pos = end;
  }
  return out;
}

}  // namespace pixforge::text::ftfy
