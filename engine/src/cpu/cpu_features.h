// Which instruction sets the fast kernels may use on this CPU. The AVX-512 kernels
// (simd_math.h and the files that include it) are compiled for AVX-512 whatever the build's
// -march, so that a portable build (-DPIXFORGE_NATIVE=OFF) keeps them; the backend calls them
// only when the running CPU has AVX-512 and runs the reference loops otherwise.
#pragma once

#include <cstdlib>
#include <cstring>

namespace pixforge::cpu {

// True when the CPU has AVX-512 F/BW/DQ/VL (and so FMA and F16C). PIXFORGE_DISABLE_AVX512=1 in
// the environment forces the portable path (to test it on an AVX-512 machine).
inline bool has_avx512() {
  static const bool yes = [] {
    const char* off = std::getenv("PIXFORGE_DISABLE_AVX512");
    if (off != nullptr && std::strcmp(off, "1") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  }();
  return yes;
}

// AVX-512 plus its bf16 conversions (the attention kernel rounds probabilities to bf16).
inline bool has_avx512_bf16() {
  static const bool yes = has_avx512() && __builtin_cpu_supports("avx512bf16");
  return yes;
}

}  // namespace pixforge::cpu

// Brackets code compiled for AVX-512 regardless of -march. Put it after every #include: functions
// defined inside get the target (lambdas and OpenMP regions included), header code included
// before keeps the build's baseline, so no inline function of a shared header is ever emitted
// with AVX-512 instructions for other translation units to pick up.
#define PIXFORGE_AVX512_BEGIN \
  _Pragma("GCC push_options") \
      _Pragma("GCC target(\"avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,bmi,bmi2\")")
#define PIXFORGE_AVX512_BF16_BEGIN     \
  _Pragma("GCC push_options") _Pragma( \
      "GCC target(\"avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,avx2,fma,f16c,bmi,bmi2\")")
#define PIXFORGE_AVX512_END _Pragma("GCC pop_options")
