// Group norm (+ fused activation), layer norm and softmax: OpenMP over rows or spatial
// chunks, AVX-512 over channels. Statistics are two-pass (mean, then squared deviations) with
// f64 partial sums, so offset inputs do not lose precision to cancellation.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu_kernels.h"
#include "simd_math.h"

// AVX-512 code; the backend calls it only when has_avx512() (cpu_features.h).
PIXFORGE_AVX512_BEGIN

namespace pixforge::cpu {

namespace {

using i64 = std::int64_t;

// Calls fn(c, mask) for each 16-channel slice of [0, n), the last one masked.
template <class Fn>
inline void for_lanes(i64 n, Fn fn) {
  for (i64 c = 0; c < n; c += 16) fn(c, simd::tail_mask(std::min<i64>(16, n - c)));
}

// Per-channel sums over `rows` rows of x [rows, c] of f(x - center[c]) (f = identity or
// square), in f64, parallel over row chunks.
template <bool kSquare>
std::vector<double> channel_sums(const float* x, i64 rows, i64 c, const float* center) {
  std::vector<double> total(static_cast<std::size_t>(c), 0.0);
  constexpr i64 kRowsPerChunk = 64;  // f32 partials over 64 rows, then f64
  const i64 chunks = (rows + kRowsPerChunk - 1) / kRowsPerChunk;
#pragma omp parallel
  {
    std::vector<double> mine(static_cast<std::size_t>(c), 0.0);
    std::vector<float> part(static_cast<std::size_t>(c));
#pragma omp for schedule(static)
    for (i64 ch = 0; ch < chunks; ++ch) {
      std::fill(part.begin(), part.end(), 0.0f);
      const i64 end = std::min(rows, (ch + 1) * kRowsPerChunk);
      for (i64 r = ch * kRowsPerChunk; r < end; ++r) {
        for_lanes(c, [&](i64 j, __mmask16 m) {
          __m512 v = _mm512_maskz_loadu_ps(m, x + r * c + j);
          if (kSquare) {
            v = _mm512_sub_ps(v, _mm512_maskz_loadu_ps(m, center + j));
            v = _mm512_mul_ps(v, v);
          }
          _mm512_mask_storeu_ps(part.data() + j, m,
                                _mm512_add_ps(_mm512_maskz_loadu_ps(m, part.data() + j), v));
        });
      }
      for (i64 j = 0; j < c; ++j) mine[j] += part[j];
    }
#pragma omp critical
    for (i64 j = 0; j < c; ++j) total[j] += mine[j];
  }
  return total;
}

// Per-channel (scale, shift) so that y = x * scale + shift is the group-normalised, affine value.
void group_affine(const float* x, i64 rows, i64 c, i64 groups, float eps, const float* gamma,
                  const float* beta, std::vector<float>& scale, std::vector<float>& shift) {
  const i64 cg = c / groups;
  const double count = static_cast<double>(rows * cg);
  std::vector<float> mean(static_cast<std::size_t>(c));
  const std::vector<double> sums = channel_sums<false>(x, rows, c, nullptr);
  for (i64 g = 0; g < groups; ++g) {
    double s = 0;
    for (i64 j = 0; j < cg; ++j) s += sums[g * cg + j];
    std::fill_n(mean.begin() + g * cg, cg, static_cast<float>(s / count));
  }
  const std::vector<double> sq = channel_sums<true>(x, rows, c, mean.data());
  for (i64 g = 0; g < groups; ++g) {
    double s = 0;
    for (i64 j = 0; j < cg; ++j) s += sq[g * cg + j];
    const double inv = 1.0 / std::sqrt(s / count + eps);
    for (i64 j = g * cg; j < (g + 1) * cg; ++j) {
      scale[j] = static_cast<float>(inv * gamma[j]);
      shift[j] = static_cast<float>(beta[j] - double{mean[j]} * inv * gamma[j]);
    }
  }
}

void apply_affine(const float* x, float* y, i64 rows, i64 c, const float* scale, const float* shift,
                  Activation act) {
#pragma omp parallel for schedule(static)
  for (i64 r = 0; r < rows; ++r) {
    for_lanes(c, [&](i64 j, __mmask16 m) {
      const __m512 v =
          _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + r * c + j),
                          _mm512_maskz_loadu_ps(m, scale + j), _mm512_maskz_loadu_ps(m, shift + j));
      _mm512_mask_storeu_ps(y + r * c + j, m, simd::activate(v, act));
    });
  }
}

const float* f32_input(const Tensor& t, HostPool& pool, Staged& keep) {
  keep = stage_as(t, DType::F32, pool);
  return static_cast<const float*>(keep.data);
}

}  // namespace

void group_norm(const OpCall& call, HostPool& pool) {
  Staged sx, sg, sb;
  const Tensor& xt = *call.in[0];
  const float* x = f32_input(xt, pool, sx);
  const float* gamma = f32_input(*call.in[1], pool, sg);
  const float* beta = f32_input(*call.in[2], pool, sb);
  const i64 n = xt.dim(0), c = xt.dim(-1), rows = xt.numel() / (n * c);
  std::vector<float> scale(static_cast<std::size_t>(c)), shift(static_cast<std::size_t>(c));
  float* y = call.out->host<float>();
  for (i64 b = 0; b < n; ++b) {
    const float* xb = x + b * rows * c;
    group_affine(xb, rows, c, call.params.groups, call.params.eps, gamma, beta, scale, shift);
    apply_affine(xb, y + b * rows * c, rows, c, scale.data(), shift.data(), call.params.act);
  }
}

void layer_norm(const OpCall& call, HostPool& pool) {
  Staged sx, sg, sb;
  const float* x = f32_input(*call.in[0], pool, sx);
  const float* gamma = f32_input(*call.in[1], pool, sg);
  const float* beta = f32_input(*call.in[2], pool, sb);
  const i64 c = call.in[0]->dim(-1), rows = call.in[0]->numel() / c;
  const float eps = call.params.eps;
  float* y = call.out->host<float>();
#pragma omp parallel for schedule(static)
  for (i64 r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    __m512 acc = _mm512_setzero_ps();
    for_lanes(
        c, [&](i64 j, __mmask16 m) { acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, xr + j)); });
    const float mean = _mm512_reduce_add_ps(acc) / static_cast<float>(c);
    const __m512 vmean = _mm512_set1_ps(mean);
    acc = _mm512_setzero_ps();
    for_lanes(c, [&](i64 j, __mmask16 m) {
      const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, xr + j), vmean);
      acc = _mm512_fmadd_ps(d, d, acc);
    });
    const float inv = 1.0f / std::sqrt(_mm512_reduce_add_ps(acc) / static_cast<float>(c) + eps);
    const __m512 vinv = _mm512_set1_ps(inv);
    for_lanes(c, [&](i64 j, __mmask16 m) {
      const __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, xr + j), vmean), vinv);
      const __m512 v = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m, gamma + j),
                                       _mm512_maskz_loadu_ps(m, beta + j));
      _mm512_mask_storeu_ps(y + r * c + j, m, v);
    });
  }
}

void softmax(const OpCall& call, HostPool& pool) {
  Staged sx;
  const float* x = f32_input(*call.in[0], pool, sx);
  const i64 c = call.in[0]->dim(-1), rows = call.in[0]->numel() / c;
  float* y = call.out->host<float>();
#pragma omp parallel for schedule(static)
  for (i64 r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    __m512 vmax = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    for_lanes(c, [&](i64 j, __mmask16 m) {
      vmax = _mm512_mask_max_ps(vmax, m, vmax, _mm512_maskz_loadu_ps(m, xr + j));
    });
    const __m512 mx = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
    __m512 sum = _mm512_setzero_ps();
    for_lanes(c, [&](i64 j, __mmask16 m) {
      const __m512 e =
          _mm512_maskz_mov_ps(m, simd::exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, xr + j), mx)));
      sum = _mm512_add_ps(sum, e);
      _mm512_mask_storeu_ps(yr + j, m, e);
    });
    const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for_lanes(c, [&](i64 j, __mmask16 m) {
      _mm512_mask_storeu_ps(yr + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, yr + j), inv));
    });
  }
}

}  // namespace pixforge::cpu

PIXFORGE_AVX512_END
