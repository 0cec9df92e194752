// Element types a tensor can hold, and scalar conversions between them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace pixforge {

enum class DType : std::uint8_t { F32, F16, BF16, I32, I64, U8 };

// Bytes per element.
std::size_t dtype_size(DType t);
// "f32", "f16", "bf16", "i32", "i64", "u8".
std::string_view dtype_name(DType t);

// IEEE half <-> float, exact for every half value (round-to-nearest-even when narrowing).
float f16_to_f32(std::uint16_t h);
std::uint16_t f32_to_f16(float f);

// bfloat16 <-> float (round-to-nearest-even when narrowing, NaN preserved).
inline float bf16_to_f32(std::uint16_t b) {
  std::uint32_t u = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
std::uint16_t f32_to_bf16(float f);

// Converts n elements of src (type from) into f32.
void convert_to_f32(DType from, const void* src, float* dst, std::size_t n);
// Converts n f32 elements into dst (type to: F32, F16 or BF16).
void convert_from_f32(DType to, const float* src, void* dst, std::size_t n);

}  // namespace pixforge
