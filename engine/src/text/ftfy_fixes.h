// The character-level fixers of ftfy.fix_text (default configuration), each a restatement of
// the upstream function of the same name (see tools/reference/text_ftfy.py).
#pragma once

#include <string>

namespace pixforge::text::ftfy {

// HTML references ending in ';' (ftfy's table, including upper-cased names such as &EACUTE;)
// and numeric references that Python's html.unescape decodes completely.
std::u32string unescape_html(const std::u32string& text);
// ESC '[' (decimal digits | ';')* ASCII-letter is removed.
std::u32string remove_terminal_escapes(const std::u32string& text);
std::u32string fix_latin_ligatures(const std::u32string& text);
// U+3000 and the half/full-width forms U+FF01..U+FFEF become their NFKC forms.
std::u32string fix_character_width(const std::u32string& text);
std::u32string uncurl_quotes(const std::u32string& text);
// CRLF, CR, U+2028, U+2029 and U+0085 become LF.
std::u32string fix_line_breaks(const std::u32string& text);
// Paired UTF-16 surrogates become their code point, lone ones U+FFFD.
std::u32string fix_surrogates(const std::u32string& text);
std::u32string remove_control_chars(const std::u32string& text);

}  // namespace pixforge::text::ftfy
