#include "cpu_convert.h"

// GCC 12 reports its own intrinsic headers' deliberately undefined vectors as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace pixforge::cpu {

namespace {

// Chunks large enough that OpenMP overhead is negligible, small enough to split across cores.
constexpr std::size_t kChunk = 1 << 14;

void f32_to_bf16_block(const float* s, std::uint16_t* d, std::size_t n) {
  std::size_t i = 0;
#if defined(__AVX512BF16__)
  for (; i + 16 <= n; i += 16) {
    const __m256bh v = _mm512_cvtneps_pbh(_mm512_loadu_ps(s + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i), reinterpret_cast<const __m256i&>(v));
  }
#endif
  for (; i < n; ++i) d[i] = f32_to_bf16(s[i]);
}

void bf16_to_f32_block(const std::uint16_t* s, float* d, std::size_t n) {
  std::size_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    const __m512i w =
        _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i)));
    _mm512_storeu_ps(d + i, _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)));
  }
#endif
  for (; i < n; ++i) d[i] = bf16_to_f32(s[i]);
}

void f16_to_f32_block(const std::uint16_t* s, float* d, std::size_t n) {
  std::size_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(d + i,
                     _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i))));
  }
#endif
  for (; i < n; ++i) d[i] = f16_to_f32(s[i]);
}

void f32_to_f16_block(const float* s, std::uint16_t* d, std::size_t n) {
  std::size_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    const __m256i h =
        _mm512_cvtps_ph(_mm512_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i), h);
  }
#endif
  for (; i < n; ++i) d[i] = f32_to_f16(s[i]);
}

// One chunk [begin, begin + n): through an f32 staging block when neither side is f32.
void convert_chunk(DType from, const void* src, DType to, void* dst, std::size_t n) {
  const auto* s16 = static_cast<const std::uint16_t*>(src);
  auto* d16 = static_cast<std::uint16_t*>(dst);
  if (from == to) {
    std::memcpy(dst, src, n * dtype_size(from));
  } else if (from == DType::F32) {
    const auto* s = static_cast<const float*>(src);
    to == DType::BF16 ? f32_to_bf16_block(s, d16, n) : f32_to_f16_block(s, d16, n);
  } else if (to == DType::F32) {
    auto* d = static_cast<float*>(dst);
    from == DType::BF16 ? bf16_to_f32_block(s16, d, n) : f16_to_f32_block(s16, d, n);
  } else {
    float tmp[512];
    for (std::size_t i = 0; i < n; i += 512) {
      const std::size_t m = n - i < 512 ? n - i : 512;
      convert_chunk(from, s16 + i, DType::F32, tmp, m);
      convert_chunk(DType::F32, tmp, to, d16 + i, m);
    }
  }
}

}  // namespace

void convert_elements(DType from, const void* src, DType to, void* dst, std::size_t n) {
  const std::size_t fs = dtype_size(from), ts = dtype_size(to);
  const auto chunks = static_cast<std::int64_t>((n + kChunk - 1) / kChunk);
#pragma omp parallel for if (chunks > 1)
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::size_t begin = static_cast<std::size_t>(c) * kChunk;
    const std::size_t m = n - begin < kChunk ? n - begin : kChunk;
    convert_chunk(from, static_cast<const char*>(src) + begin * fs, to,
                  static_cast<char*>(dst) + begin * ts, m);
  }
}

}  // namespace pixforge::cpu
