// Spatial reductions: max / average pooling on oneDNN's pooling primitive (NHWC, TF's
// count-excluding-padding average is its pooling_avg_exclude_padding), primitives cached by
// shape; the mean over H and W is our own loop (one pass, vectorised over channels).
#include <algorithm>
#include <array>
#include <map>
#include <mutex>

#include "cpu_kernels.h"
#include "simd_math.h"

namespace pixforge::cpu {

namespace {

using i64 = std::int64_t;
using PoolKey = std::array<i64, 13>;  // n, h, w, c, kernel, stride, pads, max?

// Pooling primitives by shape and geometry. A model meets a handful of shapes (tiles, a fixed
// input size), so the cache stays small; it is cleared if a caller sweeps through sizes.
struct PoolPrimitive {
  dnnl::pooling_forward::primitive_desc pd;
  dnnl::pooling_forward primitive;
};

class PoolCache {
 public:
  PoolPrimitive get(const PoolKey& key, const OpCall& call) {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxEntries) cache_.clear();
    return cache_.emplace(key, build(call)).first->second;
  }

 private:
  static constexpr std::size_t kMaxEntries = 256;

  static PoolPrimitive build(const OpCall& call) {
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    const Tensor& x = *call.in[0];
    const Tensor& y = *call.out;
    const Pool2dSpec& p = call.params.pool;
    const dnnl::memory::desc src({x.dim(0), x.dim(3), x.dim(1), x.dim(2)}, dt::f32, tag::nhwc);
    const dnnl::memory::desc dst({y.dim(0), y.dim(3), y.dim(1), y.dim(2)}, dt::f32, tag::nhwc);
    const auto algo = call.kind == OpKind::MaxPool2d ? dnnl::algorithm::pooling_max
                                                     : dnnl::algorithm::pooling_avg_exclude_padding;
    dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, algo, src, dst,
                                  {p.stride_h, p.stride_w}, {p.kernel_h, p.kernel_w},
                                  {p.pad_top, p.pad_left}, {p.pad_bottom, p.pad_right});
    dnnl::pooling_forward::primitive_desc pd(d, dnnl_engine());
    return {pd, dnnl::pooling_forward(pd)};
  }

  std::mutex mutex_;
  std::map<PoolKey, PoolPrimitive> cache_;
};

PoolCache& pool_cache() {
  static PoolCache cache;
  return cache;
}

}  // namespace

void pool2d(const OpCall& call, HostPool& pool) {
  const Tensor& x = *call.in[0];
  const Pool2dSpec& p = call.params.pool;
  const PoolKey key{x.dim(0),
                    x.dim(1),
                    x.dim(2),
                    x.dim(3),
                    p.kernel_h,
                    p.kernel_w,
                    p.stride_h,
                    p.stride_w,
                    p.pad_top,
                    p.pad_bottom,
                    p.pad_left,
                    p.pad_right,
                    call.kind == OpKind::MaxPool2d};
  const PoolPrimitive prim = pool_cache().get(key, call);
  const Staged src = stage_as(x, DType::F32, pool);
  dnnl::memory src_mem(prim.pd.src_desc(), dnnl_engine(), src.data);
  dnnl::memory dst_mem(prim.pd.dst_desc(), dnnl_engine(), call.out->data());
  prim.primitive.execute(dnnl_stream(), {{DNNL_ARG_SRC, src_mem}, {DNNL_ARG_DST, dst_mem}});
  dnnl_stream().wait();
}

// AVX-512 code; the backend calls it only when has_avx512() (cpu_features.h).
PIXFORGE_AVX512_BEGIN

// Parallel over (image, 64-channel block); each sums its block over 256-pixel runs in f32
// vectors (4 x 16 lanes), then adds the runs in f64, so large maps lose no precision.
void mean_hw(const OpCall& call, HostPool& pool) {
  const Tensor& xt = *call.in[0];
  const i64 n = xt.dim(0), hw = xt.dim(1) * xt.dim(2), c = xt.dim(3);
  Staged sx = stage_as(xt, DType::F32, pool);
  const auto* x = static_cast<const float*>(sx.data);
  float* y = call.out->host<float>();
  constexpr i64 kBlock = 64, kRun = 256;
  const i64 blocks = (c + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (n * blocks > 1)
  for (i64 job = 0; job < n * blocks; ++job) {
    const i64 b = job / blocks, c0 = (job % blocks) * kBlock, width = std::min(kBlock, c - c0);
    std::array<__mmask16, 4> masks{};
    for (i64 v = 0; v < 4; ++v) masks[v] = simd::tail_mask(std::clamp<i64>(width - v * 16, 0, 16));
    std::array<double, kBlock> total{};
    for (i64 p0 = 0; p0 < hw; p0 += kRun) {
      __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                       _mm512_setzero_ps()};
      for (i64 p = p0; p < std::min(hw, p0 + kRun); ++p) {
        const float* row = x + (b * hw + p) * c + c0;
        for (i64 v = 0; v < 4; ++v) {
          acc[v] = _mm512_add_ps(acc[v], _mm512_maskz_loadu_ps(masks[v], row + v * 16));
        }
      }
      alignas(64) std::array<float, kBlock> part;
      for (i64 v = 0; v < 4; ++v) _mm512_store_ps(part.data() + v * 16, acc[v]);
      for (i64 j = 0; j < width; ++j) total[j] += part[j];
    }
    for (i64 j = 0; j < width; ++j)
      y[b * c + c0 + j] = static_cast<float>(total[j] / static_cast<double>(hw));
  }
}

}  // namespace pixforge::cpu

PIXFORGE_AVX512_END
