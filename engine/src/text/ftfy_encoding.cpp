#include "ftfy_encoding.h"

#include <optional>
#include <string>
#include <string_view>

#include "ftfy_badness.h"
#include "ftfy_codecs.h"
#include "ftfy_tables.h"

namespace pixforge::text::ftfy {
namespace {

bool is_c1(char32_t c) { return c >= 0x80 && c <= 0x9F; }

bool is_ascii(const std::u32string& text) {
  for (char32_t c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

bool has_c1(const std::u32string& text) {
  for (char32_t c : text) {
    if (is_c1(c)) return true;
  }
  return false;
}

// Re-encode in one single-byte encoding and decode as UTF-8 (ftfy's main repair).
std::optional<std::u32string> try_reencode(const std::u32string& text, std::size_t charmap) {
  std::string bytes = encode_single_byte(text, charmap);
  if (std::string_view(kCharmaps[charmap].name) != "macroman") bytes = restore_byte_a0(bytes);
  if (std::string_view(kCharmaps[charmap].name).starts_with("sloppy")) {
    bytes = replace_lossy_sequences(bytes);
  }
  if (bytes.find('\xED') != std::string::npos || bytes.find('\xC0') != std::string::npos) {
    return decode_utf8_variants(bytes);
  }
  return decode_utf8(bytes);
}

// Runs of UTF8_DETECTOR_RE that are bad on their own are fixed in isolation (re.sub order).
std::u32string decode_inconsistent_utf8(const std::u32string& text) {
  std::u32string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = utf8_detector_match(text, pos);
    if (end == pos) {
      out.push_back(text[pos++]);
      continue;
    }
    const std::u32string run = text.substr(pos, end - pos);
    out += run.size() < text.size() && is_bad(run) ? fix_encoding(run) : run;
    pos = end;
  }
  return out;
}

// windows-1252 as Python's strict codec has it: five bytes are unassigned.
std::optional<std::u32string> latin1_as_windows1252(const std::u32string& text) {
  const char32_t* cp1252 = kCharmaps[charmap_index("sloppy-windows-1252")].chars;
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (c > 0xFF) return std::nullopt;
    if (c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D) return std::nullopt;
    out.push_back(c == 0x1A ? c : cp1252[c]);
  }
  return out;
}

std::u32string fix_encoding_one_step(const std::u32string& text) {
  if (text.empty() || is_ascii(text) || !is_bad(text)) return text;
  bool latin1_possible = false;
  for (std::size_t m = 0; m < kCharmapCount; ++m) {
    if (!possible_encoding(text, m)) continue;
    if (m == 0) latin1_possible = true;  // kCharmaps[0] is latin-1
    if (auto fixed = try_reencode(text, m)) return *fixed;
  }
  if (utf8_detector_found(text)) {
    std::u32string fixed = decode_inconsistent_utf8(text);
    if (fixed != text) return fixed;
  }
  // ftfy checks for "windows-1252" among the possible encodings, a name its list never holds
  // (it has "sloppy-windows-1252"), so Latin-1 text is always tried as strict windows-1252.
  if (latin1_possible) {
    if (auto fixed = latin1_as_windows1252(text); fixed && *fixed != text) return *fixed;
  }
  if (has_c1(text)) return fix_c1_controls(text);
  return text;
}

}  // namespace

std::u32string fix_c1_controls(const std::u32string& text) {
  const char32_t* cp1252 = kCharmaps[charmap_index("sloppy-windows-1252")].chars;
  std::u32string out = text;
  for (char32_t& c : out) {
    if (is_c1(c)) c = cp1252[c];
  }
  return out;
}

std::u32string fix_encoding(const std::u32string& text) {
  // ftfy repeats without a bound; each real step shortens the text or removes C1 controls, so
  // this bound is never reached in practice and only guards a request against a cycle.
  constexpr int kMaxSteps = 64;
  std::u32string current = text;
  for (int step = 0; step < kMaxSteps; ++step) {
    std::u32string next = fix_encoding_one_step(current);
    if (next == current) break;
    current = std::move(next);
  }
  return current;
}

}  // namespace pixforge::text::ftfy
