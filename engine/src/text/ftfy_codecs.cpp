#include "ftfy_codecs.h"

#include <array>
#include <bitset>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "ftfy_tables.h"
#include "utf8.h"

namespace pixforge::text::ftfy {
namespace {

using ByteSet = std::bitset<256>;

ByteSet bytes_of(std::initializer_list<std::pair<int, int>> ranges) {
  ByteSet s;
  for (auto [lo, hi] : ranges) {
    for (int b = lo; b <= hi; ++b) s.set(static_cast<std::size_t>(b));
  }
  return s;
}

// A byte pattern alternative: one set per byte, matched at a position.
using BytePattern = std::vector<ByteSet>;

std::size_t match_first(std::string_view bytes, std::size_t pos,
                        const std::vector<BytePattern>& alternatives) {
  for (const auto& alt : alternatives) {
    if (bytes.size() - pos < alt.size()) continue;
    bool ok = true;
    for (std::size_t k = 0; k < alt.size() && ok; ++k) {
      ok = alt[k].test(static_cast<unsigned char>(bytes[pos + k]));
    }
    if (ok) return alt.size();
  }
  return 0;
}

// ALTERED_UTF8_RE, alternative by alternative.
const std::vector<BytePattern>& altered_utf8() {
  static const std::vector<BytePattern> kAlts = [] {
    const ByteSet space = bytes_of({{0x20, 0x20}});
    const ByteSet cont = bytes_of({{0x80, 0xBF}});
    const ByteSet cont_no_85_a0 = bytes_of({{0x80, 0x84}, {0x86, 0x9F}, {0xA1, 0xBF}});
    const ByteSet f0 = bytes_of({{0xF0, 0xF0}});
    ByteSet lead2;
    for (int b : {0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9}) lead2.set(static_cast<std::size_t>(b));
    return std::vector<BytePattern>{
        {lead2, space},
        {bytes_of({{0xE2, 0xE3}}), space, cont_no_85_a0},
        {bytes_of({{0xE0, 0xE3}}), cont_no_85_a0, space},
        {f0, space, cont, cont},
        {f0, cont, space, cont},
        {f0, cont, cont, space},
    };
  }();
  return kAlts;
}

// LOSSY_UTF8_RE, alternative by alternative (0x1A stands for a byte lost to U+FFFD).
const std::vector<BytePattern>& lossy_utf8() {
  static const std::vector<BytePattern> kAlts = [] {
    const ByteSet sub = bytes_of({{0x1A, 0x1A}});
    const ByteSet sub_q = bytes_of({{0x1A, 0x1A}, {'?', '?'}});
    const ByteSet sub_cont = bytes_of({{0x1A, 0x1A}, {0x80, 0xBF}});
    const ByteSet sub_q_cont = bytes_of({{0x1A, 0x1A}, {'?', '?'}, {0x80, 0xBF}});
    const ByteSet ed = bytes_of({{0xED, 0xED}});
    const ByteSet hi = bytes_of({{0xA0, 0xAF}}), lo = bytes_of({{0xB0, 0xBF}});
    const ByteSet lead3 = bytes_of({{0xE0, 0xEF}}), lead4 = bytes_of({{0xF0, 0xF4}});
    return std::vector<BytePattern>{
        {bytes_of({{0xC2, 0xDF}}), sub},
        {bytes_of({{0xC2, 0xC3}}), bytes_of({{'?', '?'}})},
        {ed, hi, sub_q, ed, lo, sub_q_cont},
        {ed, hi, sub_q_cont, ed, lo, sub_q},
        {lead3, sub_q, sub_cont},
        {lead3, sub_cont, sub_q},
        {lead4, sub_q, sub_cont, sub_cont},
        {lead4, sub_cont, sub_q, sub_cont},
        {lead4, sub_cont, sub_cont, sub_q},
        {sub},
    };
  }();
  return kAlts;
}

// Reverse maps of the charmaps; the generated tables have no duplicate characters.
const std::array<std::unordered_map<char32_t, unsigned char>, kCharmapCount>& encoders() {
  static const auto kMaps = [] {
    std::array<std::unordered_map<char32_t, unsigned char>, kCharmapCount> maps;
    for (std::size_t m = 0; m < kCharmapCount; ++m) {
      for (int b = 255; b >= 0; --b) maps[m][kCharmaps[m].chars[b]] = static_cast<unsigned char>(b);
    }
    return maps;
  }();
  return kMaps;
}

bool starts_with_any(std::string_view rest, std::initializer_list<std::string_view> words) {
  for (auto w : words) {
    if (rest.substr(0, w.size()) == w) return true;
  }
  return false;
}

}  // namespace

std::size_t charmap_index(std::string_view name) {
  for (std::size_t i = 0; i < kCharmapCount; ++i) {
    if (name == kCharmaps[i].name) return i;
  }
  throw std::out_of_range("ftfy: unknown single-byte encoding");
}

bool possible_encoding(std::u32string_view text, std::size_t charmap) {
  const auto& enc = encoders()[charmap];
  for (char32_t c : text) {
    if (c < 0x80 && c != 0x1A) continue;
    const auto it = enc.find(c);
    if (it == enc.end() || (it->second < 0x80 && it->second != 0x1A)) return false;
  }
  return true;
}

std::string encode_single_byte(std::u32string_view text, std::size_t charmap) {
  const auto& enc = encoders()[charmap];
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) out.push_back(static_cast<char>(enc.at(c)));
  return out;
}

std::optional<std::u32string> decode_utf8(std::string_view bytes) {
  try {
    return utf8_decode(bytes);  // rejects exactly what Python's strict decoder rejects
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

std::optional<std::u32string> decode_utf8_variants(std::string_view bytes) {
  std::u32string out;
  std::size_t plain = 0, pos = 0;
  auto flush = [&](std::size_t end) {
    auto part = decode_utf8(bytes.substr(plain, end - plain));
    if (!part) return false;
    out += *part;
    return true;
  };
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  while (pos < bytes.size()) {
    if (byte(pos) == 0xC0 && pos + 1 < bytes.size() && byte(pos + 1) == 0x80) {
      if (!flush(pos)) return std::nullopt;
      out.push_back(0);
      plain = pos += 2;
    } else if (byte(pos) == 0xED && pos + 5 < bytes.size() && byte(pos + 1) >= 0xA0 &&
               byte(pos + 1) <= 0xAF && (byte(pos + 2) & 0xC0) == 0x80 && byte(pos + 3) == 0xED &&
               byte(pos + 4) >= 0xB0 && byte(pos + 4) <= 0xBF && (byte(pos + 5) & 0xC0) == 0x80) {
      if (!flush(pos)) return std::nullopt;
      const char32_t high = ((byte(pos + 1) & 0x0F) << 6) | (byte(pos + 2) & 0x3F);
      const char32_t low = ((byte(pos + 4) & 0x0F) << 6) | (byte(pos + 5) & 0x3F);
      out.push_back(0x10000 + (high << 10) + low);
      plain = pos += 6;
    } else {
      ++pos;
    }
  }
  if (!flush(bytes.size())) return std::nullopt;
  return out;
}

std::string restore_byte_a0(std::string_view bytes) {
  bool altered = false;
  for (std::size_t i = 0; i < bytes.size() && !altered; ++i) {
    altered = match_first(bytes, i, altered_utf8()) != 0;
  }
  if (!altered) return std::string(bytes);  // ftfy only transcodes when the pattern occurs
  // A_GRAVE_WORD_RE first: "\xC3 " as a word of its own becomes "\xC3\xA0 " (à), except before
  // a second space and the Portuguese contractions "às", "àquele", "àquela", "àquilo".
  std::string step;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (static_cast<unsigned char>(bytes[i]) == 0xC3 && i + 1 < bytes.size() &&
        bytes[i + 1] == ' ' &&
        !starts_with_any(bytes.substr(i + 2), {" ", "quele", "quela", "quilo", "s "})) {
      step += "\xC3\xA0 ";
      ++i;
    } else {
      step.push_back(bytes[i]);
    }
  }
  std::string out;
  out.reserve(step.size());
  for (std::size_t i = 0; i < step.size();) {
    if (std::size_t n = match_first(step, i, altered_utf8())) {
      for (std::size_t k = 0; k < n; ++k) out.push_back(step[i + k] == ' ' ? '\xA0' : step[i + k]);
      i += n;
    } else {
      out.push_back(step[i++]);
    }
  }
  return out;
}

std::string replace_lossy_sequences(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    if (std::size_t n = match_first(bytes, i, lossy_utf8())) {
      out += "\xEF\xBF\xBD";
      i += n;
    } else {
      out.push_back(bytes[i++]);
    }
  }
  return out;
}

}  // namespace pixforge::text::ftfy
