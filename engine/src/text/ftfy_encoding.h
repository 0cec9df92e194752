// ftfy's fix_encoding: detect mojibake (UTF-8 decoded in a single-byte encoding) with the
// badness heuristic and undo it, one re-decoding at a time until nothing changes.
#pragma once

#include <string>

namespace pixforge::text::ftfy {

std::u32string fix_encoding(const std::u32string& text);

// Remaining C1 controls (U+0080..U+009F) read as sloppy Windows-1252.
std::u32string fix_c1_controls(const std::u32string& text);

}  // namespace pixforge::text::ftfy
