#include "ftfy_nfc.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "ftfy_tables.h"

namespace pixforge::text::ftfy {
namespace {

// Hangul syllables decompose and compose arithmetically (Unicode chapter 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount;
constexpr char32_t kSCount = kLCount * kNCount;

std::uint8_t combining_class(char32_t c) {
  const ClassRun* end = kCombiningClasses + kCombiningClassCount;
  const ClassRun* it = std::upper_bound(kCombiningClasses, end, c,
                                        [](char32_t v, const ClassRun& r) { return v < r.first; });
  return it != kCombiningClasses && c <= (it - 1)->last ? (it - 1)->ccc : 0;
}

void decompose(char32_t c, std::u32string& out) {
  if (c >= kSBase && c < kSBase + kSCount) {
    const char32_t s = c - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  if (const char32_t* d = find_mapping(kCanonicalDecompositions, kCanonicalDecompositionCount, c)) {
    out.append(d);  // already the full decomposition
    return;
  }
  out.push_back(c);
}

// Canonical ordering: each run of non-starters is stably sorted by combining class.
void reorder(std::u32string& s, std::vector<std::uint8_t>& classes) {
  classes.resize(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) classes[i] = combining_class(s[i]);
  std::size_t i = 0;
  while (i < s.size()) {
    if (classes[i] == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && classes[j] != 0) ++j;
    std::vector<std::pair<std::uint8_t, char32_t>> run;
    for (std::size_t k = i; k < j; ++k) run.emplace_back(classes[k], s[k]);
    std::stable_sort(run.begin(), run.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t k = i; k < j; ++k) classes[k] = run[k - i].first, s[k] = run[k - i].second;
    i = j;
  }
}

char32_t compose_pair(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount) {
    return a + (b - kTBase);
  }
  const Composition* end = kCompositions + kCompositionCount;
  const Composition* it =
      std::lower_bound(kCompositions, end, std::pair{a, b}, [](const Composition& c, auto key) {
        return c.first < key.first || (c.first == key.first && c.second < key.second);
      });
  return it != end && it->first == a && it->second == b ? it->composite : 0;
}

}  // namespace

std::u32string nfc(const std::u32string& text) {
  std::u32string d;
  d.reserve(text.size());
  for (char32_t c : text) decompose(c, d);
  std::vector<std::uint8_t> classes;
  reorder(d, classes);

  std::u32string out;
  out.reserve(d.size());
  std::size_t starter = std::u32string::npos;
  std::uint8_t last_class = 0;  // of the last code point kept after the starter
  for (std::size_t i = 0; i < d.size(); ++i) {
    const char32_t c = d[i];
    const std::uint8_t cls = classes[i];
    if (starter != std::u32string::npos) {
      const bool adjacent = out.size() - 1 == starter;
      // Blocked when something between the starter and c has class 0 or >= c's class.
      if (adjacent || (last_class != 0 && last_class < cls)) {
        if (char32_t composite = compose_pair(out[starter], c)) {
          out[starter] = composite;
          continue;
        }
      }
    }
    if (cls == 0) starter = out.size();
    last_class = cls;
    out.push_back(c);
  }
  return out;
}

}  // namespace pixforge::text::ftfy
