// Elementwise ops: activations, clip, GEGLU, add/mul with trailing-dims broadcast, scale+bias.
// OpenMP over chunks (or broadcast rows), AVX-512 within.
#include <algorithm>

#include "cpu_kernels.h"
#include "simd_math.h"

// AVX-512 code; the backend calls it only when has_avx512() (cpu_features.h).
PIXFORGE_AVX512_BEGIN

namespace pixforge::cpu {

namespace {

using i64 = std::int64_t;

constexpr i64 kChunk = 1 << 14;  // elements per OpenMP work item

// y[i] = fn(x[i]) vectorised over n elements, in parallel chunks.
template <class Fn>
void map(const float* x, float* y, i64 n, Fn fn) {
  const i64 chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (i64 ch = 0; ch < chunks; ++ch) {
    const i64 end = std::min(n, (ch + 1) * kChunk);
    for (i64 i = ch * kChunk; i < end; i += 16) {
      const __mmask16 m = simd::tail_mask(std::min<i64>(16, end - i));
      _mm512_mask_storeu_ps(y + i, m, fn(_mm512_maskz_loadu_ps(m, x + i)));
    }
  }
}

const float* as_f32(const Tensor& t, HostPool& pool, Staged& keep) {
  keep = stage_as(t, DType::F32, pool);
  return static_cast<const float*>(keep.data);
}

}  // namespace

void activation(const OpCall& call, HostPool& pool) {
  Staged sx;
  const Activation act = call.params.act;
  map(as_f32(*call.in[0], pool, sx), call.out->host<float>(), call.out->numel(),
      [act](__m512 v) { return simd::activate(v, act); });
}

void scale_bias(const OpCall& call, HostPool& pool) {
  Staged sx;
  const __m512 s = _mm512_set1_ps(call.params.scale), b = _mm512_set1_ps(call.params.bias);
  map(as_f32(*call.in[0], pool, sx), call.out->host<float>(), call.out->numel(),
      [s, b](__m512 v) { return _mm512_fmadd_ps(v, s, b); });
}

void clip(const OpCall& call, HostPool& pool) {
  Staged sx;
  const __m512 lo = _mm512_set1_ps(call.params.clip_min), hi = _mm512_set1_ps(call.params.clip_max);
  map(as_f32(*call.in[0], pool, sx), call.out->host<float>(), call.out->numel(),
      [lo, hi](__m512 v) { return _mm512_min_ps(_mm512_max_ps(v, lo), hi); });
}

void geglu(const OpCall& call, HostPool& pool) {
  Staged sx;
  const float* x = as_f32(*call.in[0], pool, sx);
  float* y = call.out->host<float>();
  const i64 n = call.out->dim(-1), rows = call.out->numel() / n;
#pragma omp parallel for schedule(static)
  for (i64 r = 0; r < rows; ++r) {
    const float* a = x + r * 2 * n;
    for (i64 i = 0; i < n; i += 16) {
      const __mmask16 m = simd::tail_mask(std::min<i64>(16, n - i));
      const __m512 gate = simd::gelu_erf(_mm512_maskz_loadu_ps(m, a + n + i));
      _mm512_mask_storeu_ps(y + r * n + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, a + i), gate));
    }
  }
}

void binary(const OpCall& call, HostPool& pool) {
  Staged sa, sb;
  const float* a = as_f32(*call.in[0], pool, sa);
  const float* b = as_f32(*call.in[1], pool, sb);
  float* y = call.out->host<float>();
  const bool mul = call.kind == OpKind::Mul;
  const i64 n = call.out->numel(), nb = call.in[1]->numel();
  // b repeats every nb elements of a: treat a as rows of nb (nb == n: one row).
  const i64 rows = n / nb;
  auto op = [mul](__m512 x, __m512 z) { return mul ? _mm512_mul_ps(x, z) : _mm512_add_ps(x, z); };
  if (rows == 1) {
    const i64 chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (i64 ch = 0; ch < chunks; ++ch) {
      const i64 end = std::min(n, (ch + 1) * kChunk);
      for (i64 i = ch * kChunk; i < end; i += 16) {
        const __mmask16 m = simd::tail_mask(std::min<i64>(16, end - i));
        _mm512_mask_storeu_ps(y + i, m,
                              op(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i)));
      }
    }
    return;
  }
#pragma omp parallel for schedule(static)
  for (i64 r = 0; r < rows; ++r) {
    for (i64 i = 0; i < nb; i += 16) {
      const __mmask16 m = simd::tail_mask(std::min<i64>(16, nb - i));
      _mm512_mask_storeu_ps(
          y + r * nb + i, m,
          op(_mm512_maskz_loadu_ps(m, a + r * nb + i), _mm512_maskz_loadu_ps(m, b + i)));
    }
  }
}

}  // namespace pixforge::cpu

PIXFORGE_AVX512_END
