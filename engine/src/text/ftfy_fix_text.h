// ftfy.fix_text with its default TextFixerConfig (ftfy 6.3), restated: the first step of
// OpenAI CLIP's text cleanup. See tools/reference/text_ftfy.py for the definition and
// the steps' order.
#pragma once

#include <string>

namespace pixforge::text::ftfy {

std::u32string fix_text(const std::u32string& text);

}  // namespace pixforge::text::ftfy
