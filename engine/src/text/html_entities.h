// Python's html.unescape (HTML5 character references), which CLIP's text cleanup applies twice.
#pragma once

#include <cstddef>
#include <string>

namespace pixforge::text::html {

struct Entity {
  const char* name;        // without the leading '&', with the trailing ';' where the name has one
  char32_t first, second;  // second is 0 for one-code-point references
};
struct Remap {
  char32_t from, to;
};

extern const Entity kEntities[];
extern const std::size_t kEntityCount;
extern const Remap kInvalidCharrefs[];
extern const std::size_t kInvalidCharrefCount;
extern const char32_t kDroppedCodepoints[];
extern const std::size_t kDroppedCodepointCount;

// Same result as Python's html.unescape(text): numeric references (&#NN; &#xHH;, ';'
// optional) with the HTML5 remaps, named references (longest legacy prefix when unterminated).
std::u32string unescape(const std::u32string& text);

}  // namespace pixforge::text::html
