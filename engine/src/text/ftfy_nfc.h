// Unicode Normalization Form C (UAX #15), the last step of every ftfy round, on the Unicode
// version of the generated tables (ftfy_tables_data.cpp).
#pragma once

#include <string>

namespace pixforge::text::ftfy {

std::u32string nfc(const std::u32string& text);

}  // namespace pixforge::text::ftfy
