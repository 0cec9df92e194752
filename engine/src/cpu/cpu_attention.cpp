// Multi-head attention in tiles with an online softmax (flash-attention style): for a block of
// queries, key/value tiles stream by, running row maxima and sums rescale the accumulated
// output, so memory is O(block x tile) per thread, never Nq x Nk. The two products per tile
// (S = Q Kᵀ, O += P V) are oneDNN matmuls on strided head views (bf16 in, f32 accumulate in
// bf16 mode), run single-threaded inside our OpenMP loop over (batch, head, query block).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "cpu_kernels.h"
#include "simd_math.h"

namespace pixforge::cpu {

namespace {

using dims = dnnl::memory::dims;
using dt = dnnl::memory::data_type;

constexpr std::int64_t kQueryBlock = 64;
constexpr std::int64_t kKeyTile = 512;

struct Geometry {
  std::int64_t batch, nq, nk, heads, d, dv;
};

// The two matmul primitives for one (query rows, key rows) tile shape.
struct TilePrimitives {
  dnnl::matmul qk, pv;
  std::size_t scratch = 0;
};

dnnl::primitive_attr tile_attr(float scale, bool accumulate) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (scale != 1.0f) attr.set_output_scales(0, {scale});
  if (accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  return attr;
}

TilePrimitives make_tile(const Geometry& g, std::int64_t bq, std::int64_t bk, dt ct, float scale) {
  const std::int64_t qs = g.heads * g.d, vs = g.heads * g.dv;
  // S[bq, bk] = Q[bq, d] (row stride qs) x Kᵀ[d, bk] (K rows of stride qs, read transposed).
  const dnnl::memory::desc q({bq, g.d}, ct, dims{qs, 1});
  const dnnl::memory::desc kt({g.d, bk}, ct, dims{1, qs});
  const dnnl::memory::desc s({bq, bk}, dt::f32, dims{kKeyTile, 1});
  const dnnl::matmul::primitive_desc qk_pd({q, kt, s}, tile_attr(scale, false), dnnl_engine());
  // O[bq, dv] += P[bq, bk] x V[bk, dv] (row stride vs).
  const dnnl::memory::desc p({bq, bk}, ct, dims{kKeyTile, 1});
  const dnnl::memory::desc v({bk, g.dv}, ct, dims{vs, 1});
  const dnnl::memory::desc o({bq, g.dv}, dt::f32, dims{g.dv, 1});
  const dnnl::matmul::primitive_desc pv_pd({p, v, o}, tile_attr(1.0f, true), dnnl_engine());
  return {dnnl::matmul(qk_pd), dnnl::matmul(pv_pd),
          std::max(qk_pd.scratchpad_desc().get_size(), pv_pd.scratchpad_desc().get_size())};
}

// Primitives are shared process-wide by geometry (oneDNN primitives are immutable and safe to
// execute concurrently with separate streams and scratchpads).
const TilePrimitives& tile_primitives(const Geometry& g, std::int64_t bq, std::int64_t bk, dt ct,
                                      float scale) {
  static std::mutex mutex;
  static std::map<std::vector<std::int64_t>, TilePrimitives> cache;
  std::vector<std::int64_t> key{g.heads, g.d, g.dv, bq, bk, static_cast<std::int64_t>(ct)};
  float s = scale;
  std::int32_t bits;
  std::memcpy(&bits, &s, sizeof bits);
  key.push_back(bits);
  std::lock_guard lock(mutex);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, make_tile(g, bq, bk, ct, scale)).first;
  return it->second;
}

// Per-thread working set for one query block.
struct Workspace {
  std::vector<float> s, o, m, l;
  std::vector<std::uint16_t> p16;  // P in bf16 mode
  std::vector<float> p32;          // P in f32 mode
  std::vector<unsigned char> scratch;
};

void run_matmul(const dnnl::matmul& mm, const dnnl::memory::desc& a_md, const void* a,
                const dnnl::memory::desc& b_md, const void* b, const dnnl::memory::desc& c_md,
                void* c, Workspace& ws, std::size_t scratch_size) {
  const auto& e = dnnl_engine();
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, dnnl::memory(a_md, e, const_cast<void*>(a))},
      {DNNL_ARG_WEIGHTS, dnnl::memory(b_md, e, const_cast<void*>(b))},
      {DNNL_ARG_DST, dnnl::memory(c_md, e, c)}};
  if (scratch_size > 0) {
    if (ws.scratch.size() < scratch_size) ws.scratch.resize(scratch_size);
    args.emplace(DNNL_ARG_SCRATCHPAD,
                 dnnl::memory({{static_cast<dnnl::memory::dim>(scratch_size)}, dt::u8, dims{1}}, e,
                              ws.scratch.data()));
  }
  mm.execute(dnnl_stream(), args);
}

// Online softmax update for one tile: masks (causal), new row maxima, P = exp(S - m),
// rescales O and l by exp(m_old - m_new). P is written in the compute type.
void softmax_tile(Workspace& ws, std::int64_t bq, std::int64_t bk, std::int64_t q0, std::int64_t k0,
                  bool causal, std::int64_t dv, bool bf16) {
  for (std::int64_t i = 0; i < bq; ++i) {
    float* s = ws.s.data() + i * kKeyTile;
    const std::int64_t visible = causal ? std::clamp<std::int64_t>(q0 + i - k0 + 1, 0, bk) : bk;
    float mx = ws.m[i];
    for (std::int64_t j = 0; j < visible; ++j) mx = std::max(mx, s[j]);
    const float alpha = std::exp(ws.m[i] - mx);  // 0 on the first tile (m = -inf)
    ws.m[i] = mx;
    __m512 sum = _mm512_setzero_ps();
    const __m512 vmx = _mm512_set1_ps(mx);
    for (std::int64_t j = 0; j < bk; j += 16) {
      const std::int64_t left = std::min<std::int64_t>(16, bk - j);
      const __mmask16 live = simd::tail_mask(std::clamp<std::int64_t>(visible - j, 0, left));
      const __m512 x = _mm512_maskz_loadu_ps(live, s + j);
      const __m512 p = _mm512_maskz_mov_ps(live, simd::exp(_mm512_sub_ps(x, vmx)));
      sum = _mm512_add_ps(sum, p);
      const __mmask16 store = simd::tail_mask(left);
      if (bf16) {
        const __m256bh h = _mm512_cvtneps_pbh(p);
        _mm256_mask_storeu_epi16(ws.p16.data() + i * kKeyTile + j, store,
                                 reinterpret_cast<const __m256i&>(h));
      } else {
        _mm512_mask_storeu_ps(ws.p32.data() + i * kKeyTile + j, store, p);
      }
    }
    ws.l[i] = ws.l[i] * alpha + _mm512_reduce_add_ps(sum);
    float* o = ws.o.data() + i * dv;
    for (std::int64_t t = 0; t < dv; ++t) o[t] *= alpha;
  }
}

struct Operands {
  const void *q, *k, *v;
  float* out;
  std::size_t esize;
};

void query_block(const Geometry& g, const Operands& in, std::int64_t b, std::int64_t h,
                 std::int64_t q0, bool causal, dt ct, float scale, Workspace& ws) {
  const std::int64_t bq = std::min(kQueryBlock, g.nq - q0), qs = g.heads * g.d, vs = g.heads * g.dv;
  const bool bf16 = ct == dt::bf16;
  std::fill(ws.m.begin(), ws.m.end(), -std::numeric_limits<float>::infinity());
  std::fill(ws.l.begin(), ws.l.end(), 0.0f);
  std::fill(ws.o.begin(), ws.o.end(), 0.0f);
  const auto* q = static_cast<const char*>(in.q) + ((b * g.nq + q0) * qs + h * g.d) * in.esize;
  const std::int64_t k_end = causal ? std::min(g.nk, q0 + bq) : g.nk;
  for (std::int64_t k0 = 0; k0 < k_end; k0 += kKeyTile) {
    const std::int64_t bk = std::min(kKeyTile, g.nk - k0);
    const TilePrimitives& tp = tile_primitives(g, bq, bk, ct, scale);
    const auto* k = static_cast<const char*>(in.k) + ((b * g.nk + k0) * qs + h * g.d) * in.esize;
    const auto* v = static_cast<const char*>(in.v) + ((b * g.nk + k0) * vs + h * g.dv) * in.esize;
    run_matmul(tp.qk, {{bq, g.d}, ct, dims{qs, 1}}, q, {{g.d, bk}, ct, dims{1, qs}}, k,
               {{bq, bk}, dt::f32, dims{kKeyTile, 1}}, ws.s.data(), ws, tp.scratch);
    softmax_tile(ws, bq, bk, q0, k0, causal, g.dv, bf16);
    const void* p = bf16 ? static_cast<const void*>(ws.p16.data()) : ws.p32.data();
    run_matmul(tp.pv, {{bq, bk}, ct, dims{kKeyTile, 1}}, p, {{bk, g.dv}, ct, dims{vs, 1}}, v,
               {{bq, g.dv}, dt::f32, dims{g.dv, 1}}, ws.o.data(), ws, tp.scratch);
  }
  for (std::int64_t i = 0; i < bq; ++i) {
    float* y = in.out + (b * g.nq + q0 + i) * vs + h * g.dv;
    const float inv = 1.0f / ws.l[i];
    for (std::int64_t t = 0; t < g.dv; ++t) y[t] = ws.o[i * g.dv + t] * inv;
  }
}

}  // namespace

void attention(const OpCall& call, HostPool& pool, DType compute) {
  const Tensor &q = *call.in[0], &k = *call.in[1], &v = *call.in[2];
  const std::int64_t heads = call.params.heads;
  const Geometry g{q.dim(0), q.dim(1), k.dim(1), heads, q.dim(2) / heads, v.dim(2) / heads};
  const DType ctype = compute == DType::F32 ? DType::F32 : DType::BF16;
  const Staged sq = stage_as(q, ctype, pool), sk = stage_as(k, ctype, pool),
               sv = stage_as(v, ctype, pool);
  const Operands in{sq.data, sk.data, sv.data, call.out->host<float>(), dtype_size(ctype)};
  const dt ct = dnnl_type(ctype);
  const std::int64_t blocks = (g.nq + kQueryBlock - 1) / kQueryBlock;
  const std::int64_t items = g.batch * g.heads * blocks;
  // Build every tile shape's primitives up front so the parallel loop only looks them up.
  for (std::int64_t bq : {std::min(kQueryBlock, g.nq), g.nq % kQueryBlock})
    for (std::int64_t bk : {std::min(kKeyTile, g.nk), g.nk % kKeyTile})
      if (bq > 0 && bk > 0) tile_primitives(g, bq, bk, ct, call.params.scale);
#pragma omp parallel
  {
    Workspace ws;
    ws.s.resize(kQueryBlock * kKeyTile);
    (ctype == DType::BF16 ? ws.p16.resize(kQueryBlock * kKeyTile)
                          : ws.p32.resize(kQueryBlock * kKeyTile));
    ws.o.resize(static_cast<std::size_t>(kQueryBlock * g.dv));
    ws.m.resize(kQueryBlock);
    ws.l.resize(kQueryBlock);
#pragma omp for schedule(dynamic)
    for (std::int64_t item = 0; item < items; ++item) {
      const std::int64_t blk = item % blocks, h = (item / blocks) % g.heads,
                         b = item / (blocks * g.heads);
      query_block(g, in, b, h, blk * kQueryBlock, call.params.causal, ct, call.params.scale, ws);
    }
  }
}

}  // namespace pixforge::cpu
