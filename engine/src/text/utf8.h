// UTF-8 <-> UTF-32 for prompts. Invalid UTF-8 is rejected (a prompt is text; guessing an
// encoding would tokenize differently from the reference).
#pragma once

#include <string>
#include <string_view>

namespace pixforge::text {

// Throws std::invalid_argument naming the byte offset (never the content) on invalid UTF-8:
// bad lead or continuation bytes, overlong forms, surrogates, code points above U+10FFFF.
std::u32string utf8_decode(std::string_view bytes);
void utf8_append(char32_t c, std::string& out);
std::string utf8_encode(std::u32string_view text);

}  // namespace pixforge::text
