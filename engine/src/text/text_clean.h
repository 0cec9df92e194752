// CLIP's text cleanup and split pattern (steps 1 and 2 in pixforge/text/clip_tokenizer.h).
#pragma once

#include <string>
#include <vector>

namespace pixforge::text {

// ftfy.fix_text, html-unescape twice, strip, collapse whitespace runs to one space, strip,
// lowercase (OpenAI simple_tokenizer's basic_clean + whitespace_clean + lower).
std::u32string clip_clean(const std::u32string& text);

// The pieces python-regex's findall returns for CLIP's pattern on cleaned text.
std::vector<std::u32string> clip_split(const std::u32string& text);

}  // namespace pixforge::text
