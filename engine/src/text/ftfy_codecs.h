// The byte-level side of ftfy's mojibake repair: the single-byte codecs it tries (Latin-1, its
// "sloppy" Windows code pages that pass unassigned bytes through and encode U+FFFD as 0x1A,
// ISO-8859-2, MacRoman, CP437), strict UTF-8 and its "utf-8-variants" (CESU-8 pairs, C0 80),
// and the two byte transcoders restore_byte_a0 and replace_lossy_sequences.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pixforge::text::ftfy {

// Index into kCharmaps (ftfy's CHARMAP_ENCODINGS order); throws std::out_of_range.
std::size_t charmap_index(std::string_view name);

// possible_encoding: every code point is ASCII other than U+001A, or one that bytes 0x80..0xFF
// or 0x1A decode to in the charmap.
bool possible_encoding(std::u32string_view text, std::size_t charmap);
// text.encode(charmap); only call when possible_encoding holds.
std::string encode_single_byte(std::u32string_view text, std::size_t charmap);

// Python's strict bytes.decode("utf-8"); nullopt where it would raise.
std::optional<std::u32string> decode_utf8(std::string_view bytes);
// ftfy's "utf-8-variants": also CESU-8 surrogate pairs and C0 80 (U+0000).
std::optional<std::u32string> decode_utf8_variants(std::string_view bytes);

// Bytes that would be UTF-8 but for a 0xA0 turned into a space get their 0xA0 back; unchanged
// unless ALTERED_UTF8_RE occurs (ftfy checks that before transcoding).
std::string restore_byte_a0(std::string_view bytes);
// UTF-8 sequences whose lost bytes show as 0x1A (or one '?') become the UTF-8 of U+FFFD.
std::string replace_lossy_sequences(std::string_view bytes);

}  // namespace pixforge::text::ftfy
