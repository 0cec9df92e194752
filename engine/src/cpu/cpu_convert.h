// Vectorised, OpenMP-parallel element type conversion (f32/f16/bf16 in any direction).
#pragma once

#include <cstddef>

#include "pixforge/core/dtype.h"

namespace pixforge::cpu {

// Converts n elements; bf16 narrowing rounds to nearest even like f32_to_bf16.
void convert_elements(DType from, const void* src, DType to, void* dst, std::size_t n);

}  // namespace pixforge::cpu
