// AVX-512 versions of exp, erf and the activations built on them, accurate to a few ulp
// (exp) / 1.5e-7 absolute (erf), far inside the tolerances the op tests hold kernels to.
// Every function has a scalar twin in activation_fn.h that the reference backend uses.
#pragma once

// GCC 12 reports its own intrinsic headers' deliberately undefined vectors as maybe-uninitialized.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "cpu_features.h"
#include "pixforge/core/backend.h"

PIXFORGE_AVX512_BEGIN

namespace pixforge::cpu::simd {

// e^x: x = n ln2 + r with |r| <= ln2/2, e^r by a degree-6 Taylor/minimax polynomial,
// 2^n applied with scalef (which also handles underflow to 0 and overflow to inf).
inline __m512 exp(__m512 x) {
  const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
  const __m512 ln2_hi = _mm512_set1_ps(0.693359375f);
  const __m512 ln2_lo = _mm512_set1_ps(-2.12194440e-4f);
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(89.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT);
  __m512 r = _mm512_fnmadd_ps(n, ln2_hi, x);
  r = _mm512_fnmadd_ps(n, ln2_lo, r);
  __m512 p = _mm512_set1_ps(1.0f / 720);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

inline __m512 sigmoid(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_div_ps(one, _mm512_add_ps(one, exp(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

// tanh(x) = 1 - 2 / (e^{2x} + 1): no cancellation for large |x|, ~1e-7 absolute near 0.
inline __m512 tanh(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 e = exp(_mm512_add_ps(x, x));
  return _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one)));
}

// Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7), odd-extended.
inline __m512 erf(__m512 x) {
  const __m512 ax = _mm512_abs_ps(x);
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), ax, one));
  __m512 p = _mm512_set1_ps(1.061405429f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
  p = _mm512_mul_ps(p, t);
  const __m512 e = exp(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(ax, ax)));
  const __m512 y = _mm512_fnmadd_ps(p, e, one);
  // Copy x's sign onto y.
  const __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN));
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(y), sign));
}

inline __m512 gelu_erf(__m512 x) {
  const __m512 half_x = _mm512_mul_ps(_mm512_set1_ps(0.5f), x);
  const __m512 e = erf(_mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f)));
  return _mm512_fmadd_ps(half_x, e, half_x);
}

inline __m512 gelu_tanh(__m512 x) {
  const __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
  const __m512 inner = _mm512_mul_ps(_mm512_set1_ps(0.79788456080286536f),
                                     _mm512_fmadd_ps(_mm512_set1_ps(0.044715f), x3, x));
  const __m512 half_x = _mm512_mul_ps(_mm512_set1_ps(0.5f), x);
  return _mm512_fmadd_ps(half_x, tanh(inner), half_x);
}

inline __m512 activate(__m512 x, Activation act) {
  switch (act) {
    case Activation::None:
      return x;
    case Activation::Relu:
      return _mm512_max_ps(x, _mm512_setzero_ps());
    case Activation::Silu:
      return _mm512_mul_ps(x, sigmoid(x));
    case Activation::Gelu:
      return gelu_erf(x);
    case Activation::GeluTanh:
      return gelu_tanh(x);
    case Activation::QuickGelu:
      return _mm512_mul_ps(x, sigmoid(_mm512_mul_ps(_mm512_set1_ps(1.702f), x)));
    case Activation::Sigmoid:
      return sigmoid(x);
    case Activation::Tanh:
      return tanh(x);
    case Activation::Relu6:
      return _mm512_min_ps(_mm512_max_ps(x, _mm512_setzero_ps()), _mm512_set1_ps(6.0f));
  }
  return x;
}

// Masked load/store of the first n (< 16) lanes, for row tails.
inline __mmask16 tail_mask(std::int64_t n) {
  return static_cast<__mmask16>((1u << static_cast<unsigned>(n)) - 1u);
}

}  // namespace pixforge::cpu::simd

PIXFORGE_AVX512_END
