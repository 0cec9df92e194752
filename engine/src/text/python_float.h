// Python's float(str) for ASCII text, which ComfyUI uses to read "(text:weight)".
#pragma once

#include <optional>
#include <string_view>

namespace pixforge::text {

// Accepts what float() accepts: surrounding whitespace, sign, digits with single '_' between
// digits, '.', exponent, "inf"/"infinity"/"nan" in any case. nullopt otherwise. (float() also
// accepts non-ASCII decimal digits and whitespace; those are rejected here.)
std::optional<double> parse_python_float(std::string_view s);

}  // namespace pixforge::text
