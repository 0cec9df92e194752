// Overflow-checked size arithmetic for readers of untrusted files (private to the io area).
#pragma once

#include <cstdint>
#include <string>

#include "pixforge/io/tensor_source.h"

namespace pixforge::io {

// No real tensor dimension comes near 2^40; larger ones are hostile or corrupt.
inline constexpr std::uint64_t kMaxDim = 1ull << 40;

inline std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const std::string& what) {
  std::uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) throw ModelFormatError(what + " overflows");
  return r;
}

inline std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const std::string& what) {
  std::uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw ModelFormatError(what + " overflows");
  return r;
}

}  // namespace pixforge::io
