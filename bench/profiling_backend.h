// A timing decorator around a backend for the per-op profiles of bench_vision --profile and
// bench_unet_profile: every compute() is forwarded to the wrapped backend and timed in wall and
// process-CPU seconds, per op kind (convolutions split into their kernel families) and per
// (kind, shapes). Tensors allocated through the decorator are the wrapped backend's memory seen
// as the decorator's, so ops on them dispatch through it (ops.cpp dispatches on the inputs'
// backend); weights prepared through it are wrapped likewise.
//
// On a shared machine wall time includes waiting for a core (and OpenMP barriers waiting for a
// descheduled thread); process CPU time is the work done, plus a little spinning between ops.
#pragma once

#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pixforge/core/backend.h"

namespace pixforge::bench {

struct OpCost {
  double wall = 0, cpu = 0, flops = 0;  // seconds; FLOPs of convolutions and linear ops
  long calls = 0;
  void add(double w, double c, double f) { wall += w, cpu += c, flops += f, ++calls; }
};

class ProfilingBackend final : public Backend {
 public:
  explicit ProfilingBackend(Backend& inner) : inner_(inner) {}

  std::string_view name() const override { return inner_.name(); }
  bool is_host() const override { return inner_.is_host(); }
  DType compute_type() const override { return inner_.compute_type(); }
  std::shared_ptr<Buffer> allocate(std::size_t bytes) override;
  void write(const Tensor& dst, const void* src, std::size_t bytes) override;
  void read(const Tensor& src, void* dst, std::size_t bytes) const override;
  bool supports_op(const OpCall& call) const override;
  void compute(const OpCall& call) override;
  std::shared_ptr<const PreparedWeight> prepare_weight(const WeightDesc& desc) override;
  MemoryStats memory_stats() const override { return inner_.memory_stats(); }
  void release_pooled() override { inner_.release_pooled(); }

  // Costs are collected only while recording (off at first: warm-up runs build primitives).
  void record(bool on) { recording_ = on; }
  void clear();

  const std::map<std::string, OpCost>& by_kind() const { return by_kind_; }
  const std::map<std::string, OpCost>& by_shape() const { return by_shape_; }
  const OpCost& total() const { return total_; }
  // The entries of `costs`, costliest process-CPU time first.
  static std::vector<std::pair<std::string, OpCost>> by_cpu(
      const std::map<std::string, OpCost>& costs);

 private:
  struct Unwrapped {
    OpCall call;
    std::array<Tensor, 4> in;
    Tensor out;
  };
  Tensor alias(const Tensor& t) const;
  Unwrapped unwrap(const OpCall& call) const;

  Backend& inner_;
  bool recording_ = false;
  std::map<std::string, OpCost> by_kind_, by_shape_;
  OpCost total_;
};

}  // namespace pixforge::bench
