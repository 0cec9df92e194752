// What the CPU and reference backends share: host memory from a HostPool, raw copies, memory
// statistics, and the validation every supports_op() starts with.
#pragma once

#include <memory>

#include "host_pool.h"
#include "reference_kernels.h"

namespace pixforge::cpu {

class HostBackend : public Backend {
 public:
  HostBackend() : pool_(*this) {}

  bool is_host() const override { return true; }
  std::shared_ptr<Buffer> allocate(std::size_t bytes) override { return pool_.allocate(bytes); }
  void write(const Tensor& dst, const void* src, std::size_t bytes) override;
  void read(const Tensor& src, void* dst, std::size_t bytes) const override;
  MemoryStats memory_stats() const override { return pool_.stats(); }
  void release_pooled() override { pool_.trim(); }

 protected:
  // True when the call is well formed (op_output_shape), every tensor lives on this backend
  // and `out` has the output shape and a float dtype (F32 unless the op is Convert).
  bool well_formed(const OpCall& call) const;
  // Throws UnsupportedOp naming the op and its input shape.
  [[noreturn]] void unsupported(const OpCall& call) const;

  HostPool pool_;
};

// A prepared weight kept as f32 PyTorch-layout arrays (the reference backend's only form).
class F32PreparedWeight : public PreparedWeight {
 public:
  F32PreparedWeight(Backend& backend, HostPool& pool, const WeightDesc& desc);
  Backend& backend() const override { return backend_; }
  const Shape& shape() const override { return data_.shape; }
  bool has_bias() const override { return !data_.bias.empty(); }
  Conv2dSpec conv_spec() const override { return data_.spec; }
  const F32Weight& data() const { return data_; }

 private:
  Backend& backend_;
  F32Weight data_;
  std::shared_ptr<void> accounted_;
};

}  // namespace pixforge::cpu
