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

// A float map in its own dtype (f32, f16 or bf16): group norm reads 16-bit maps as they are,
// so a bf16 feature map is never copied whole into f32 to be normalised.
struct Src {
  const void* data;
  DType dtype;
};

// 16 (masked) lanes of x at element i, widened to f32.
inline __m512 load(const Src& x, i64 i, __mmask16 m) {
  if (x.dtype == DType::F32) return _mm512_maskz_loadu_ps(m, static_cast<const float*>(x.data) + i);
  const __m256i h = _mm256_maskz_loadu_epi16(m, static_cast<const std::uint16_t*>(x.data) + i);
  if (x.dtype == DType::F16) return _mm512_cvtph_ps(h);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

// Per-channel sums over `rows` rows of x [rows, c] of f(x - center[c]) (f = identity or
// square), in f64, parallel over row chunks.
template <bool kSquare>
std::vector<double> channel_sums(const Src& x, i64 rows, i64 c, const float* center) {
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
          __m512 v = load(x, r * c + j, m);
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
void group_affine(const Src& x, i64 rows, i64 c, i64 groups, float eps, const float* gamma,
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

// 16 lanes of f32 -> bf16, rounding to nearest even and keeping NaNs quiet: f32_to_bf16 per
// lane, in AVX-512F integer ops (this file's kernels run on CPUs without avx512_bf16 too).
inline __m256i to_bf16(__m512 v) {
  const __m512i bits = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  __m512i r = _mm512_srli_epi32(
      _mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
  const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  r = _mm512_mask_or_epi32(r, nan, _mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
  return _mm512_cvtepi32_epi16(r);
}

// Stores 16 (masked) lanes of v at y[j] in the output's dtype.
inline void store_as(DType out, void* y, i64 j, __mmask16 m, __m512 v) {
  if (out == DType::F32) {
    _mm512_mask_storeu_ps(static_cast<float*>(y) + j, m, v);
    return;
  }
  const __m256i h = out == DType::BF16
                        ? to_bf16(v)
                        : _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  _mm256_mask_storeu_epi16(static_cast<std::uint16_t*>(y) + j, m, h);
}

// y (rows x c, dtype `out`) = act(x * scale + shift). Writing the compute dtype here, rather
// than f32 converted afterwards, keeps an f32 copy of the map from being alive beside x.
void apply_affine(const Src& x, void* y, DType out, i64 rows, i64 c, const float* scale,
                  const float* shift, Activation act) {
  const i64 esize = static_cast<i64>(dtype_size(out));
#pragma omp parallel for schedule(static)
  for (i64 r = 0; r < rows; ++r) {
    void* yr = static_cast<char*>(y) + r * c * esize;
    for_lanes(c, [&](i64 j, __mmask16 m) {
      const __m512 v = _mm512_fmadd_ps(load(x, r * c + j, m), _mm512_maskz_loadu_ps(m, scale + j),
                                       _mm512_maskz_loadu_ps(m, shift + j));
      store_as(out, yr, j, m, simd::activate(v, act));
    });
  }
}

const float* f32_input(const Tensor& t, HostPool& pool, Staged& keep) {
  keep = stage_as(t, DType::F32, pool);
  return static_cast<const float*>(keep.data);
}

}  // namespace

void group_norm(const OpCall& call, HostPool& pool) {
  Staged sg, sb;
  const Tensor& xt = *call.in[0];
  const float* gamma = f32_input(*call.in[1], pool, sg);
  const float* beta = f32_input(*call.in[2], pool, sb);
  const i64 n = xt.dim(0), c = xt.dim(-1), rows = xt.numel() / (n * c);
  std::vector<float> scale(static_cast<std::size_t>(c)), shift(static_cast<std::size_t>(c));
  const DType out = call.out->dtype();
  auto* y = static_cast<char*>(call.out->data());
  const i64 item_bytes = rows * c * static_cast<i64>(dtype_size(out));
  const i64 x_item_bytes = rows * c * static_cast<i64>(dtype_size(xt.dtype()));
  for (i64 b = 0; b < n; ++b) {
    const Src xb{static_cast<const char*>(xt.data()) + b * x_item_bytes, xt.dtype()};
    group_affine(xb, rows, c, call.params.groups, call.params.eps, gamma, beta, scale, shift);
    apply_affine(xb, y + b * item_bytes, out, rows, c, scale.data(), shift.data(), call.params.act);
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
