// ftfy's mojibake detectors: the "badness" expression (is_bad) and UTF8_DETECTOR_RE, the runs
// that look like UTF-8 read in a single-byte encoding (their sets come from the generated
// tables; see tools/reference/text_ftfy.py).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pixforge::text::ftfy {

// True when BADNESS_RE matches anywhere in text (re.search).
bool is_bad(std::u32string_view text);

// End of the UTF8_DETECTOR_RE match starting at `pos` (lookbehind included), or `pos` when
// there is none.
std::size_t utf8_detector_match(std::u32string_view text, std::size_t pos);

// re.search of UTF8_DETECTOR_RE: whether a match starts anywhere.
bool utf8_detector_found(std::u32string_view text);

}  // namespace pixforge::text::ftfy
