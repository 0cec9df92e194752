// Prompt weighting as ComfyUI reads it (comfy/sd1_clip.py), restated in
// tools/reference/text_prompt.py:
//   "(text)"      weight x 1.1 per level of nesting;
//   "(text:1.3)"  weight set to 1.3 (absolute: nesting does not multiply it); the number is
//                 whatever Python's float() accepts (sign, exponent, '_' between digits, inf,
//                 nan, surrounding whitespace); otherwise the colon stays text and x 1.1 applies;
//   "\(" "\)"     literal parentheses;
//   "[text]"      no meaning: plain text. (AUTOMATIC1111 divides by 1.1 inside [...] and
//                 multiplies by 1.1 inside (...) as well; its parser is not implemented.)
//   "embedding:x" ordinary text (textual-inversion embeddings are not supported).
// Unbalanced parentheses behave as in ComfyUI (an unmatched ')' or '(' stays in the text).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pixforge::text {

struct WeightedText {
  std::string text;  // escapes resolved ("\(" -> "(")
  double weight = 1.0;
};

// Segments in prompt order. Pure text processing: UTF-8 passes through untouched (the
// syntax characters are ASCII, which never occur inside a multi-byte sequence).
std::vector<WeightedText> parse_prompt_weights(std::string_view prompt);

}  // namespace pixforge::text
