// The CPU backend's prepared weight: converted once (at prepare time) to the compute type and
// the blocked layout oneDNN prefers, plus the primitives built for it, cached by input shape.
#pragma once

#include <array>
#include <dnnl.hpp>
#include <map>
#include <mutex>
#include <vector>

#include "cpu_dnnl.h"

namespace pixforge::cpu {

// What a cached primitive was built for: conv {N, H, W, src dtype, act, residual};
// linear {M, 0, 0, src dtype, act, residual}.
using PrimitiveKey = std::array<std::int64_t, 6>;

struct CachedPrimitive {
  dnnl::primitive primitive;
  dnnl::memory weights;  // in the layout this primitive reads
};

class CpuWeight final : public PreparedWeight {
 public:
  // `preferred`: the layout (and type) oneDNN chose for a representative shape.
  CpuWeight(Backend& backend, HostPool& pool, const WeightDesc& desc, DType compute,
            const dnnl::memory::desc& plain, const dnnl::memory::desc& preferred);

  Backend& backend() const override { return backend_; }
  const Shape& shape() const override { return shape_; }
  bool has_bias() const override { return bias_ != nullptr; }
  Conv2dSpec conv_spec() const override { return spec_; }

  DType compute_type() const { return compute_; }
  const dnnl::memory::desc& prepared_desc() const { return prepared_desc_; }
  const dnnl::memory* bias() const { return bias_.get(); }
  // The weights in layout `md`: the prepared copy when it matches, otherwise a reorder made
  // once per distinct layout. While no primitive has used the prepared copy yet it is replaced
  // rather than kept beside the new one, so a layer used at one shape holds one copy.
  // Call only from inside primitive()'s `make` (it runs under the weight's lock).
  dnnl::memory weights_as(const dnnl::memory::desc& md) const;

  // Cached primitive for `key`, built by `make` on first use. Thread-safe.
  template <class Make>
  const CachedPrimitive& primitive(const PrimitiveKey& key, Make make) const {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, make()).first;
    return it->second;
  }

 private:
  Backend& backend_;
  HostPool& pool_;
  Shape shape_;
  Conv2dSpec spec_;
  DType compute_;
  mutable dnnl::memory::desc prepared_desc_;
  mutable dnnl::memory prepared_;
  mutable bool prepared_used_ = false;
  std::unique_ptr<dnnl::memory> bias_;
  mutable std::shared_ptr<void> accounted_;
  std::size_t bias_bytes_ = 0;
  mutable std::mutex mutex_;
  mutable std::map<PrimitiveKey, CachedPrimitive> cache_;
  mutable std::vector<dnnl::memory> variants_;
  mutable std::vector<std::shared_ptr<void>> variant_accounting_;
};

}  // namespace pixforge::cpu
