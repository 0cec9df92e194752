// Shared by the fuzz targets: reading every byte a reader hands out, so an out-of-bounds
// pointer in a TensorInfo shows up under AddressSanitizer.
#pragma once

#include <cstdint>

#include "pixforge/io/tensor_source.h"

namespace pixforge::fuzz {

inline void touch_all(const TensorSource& src) {
  std::uint8_t acc = 0;
  for (const TensorInfo& t : src.tensors()) {
    const auto* p = static_cast<const std::uint8_t*>(t.data);
    for (std::size_t i = 0; i < t.nbytes; ++i) acc = static_cast<std::uint8_t>(acc ^ p[i]);
  }
  volatile std::uint8_t sink = acc;
  (void)sink;
}

}  // namespace pixforge::fuzz
