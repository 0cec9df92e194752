// The CPU backend: dispatch by op to the fast kernels (one file per op family), falling back to
// the reference loops for calls a fast path does not cover.
#include "pixforge/cpu/cpu_backend.h"

#include <omp.h>

#include "host_backend.h"

namespace pixforge {

namespace {

class CpuBackend final : public cpu::HostBackend {
 public:
  explicit CpuBackend(const CpuBackendOptions& options) : compute_type_(options.compute_type) {
    if (compute_type_ != DType::F32) compute_type_ = DType::BF16;
    if (options.threads > 0) omp_set_num_threads(options.threads);
  }

  std::string_view name() const override { return "cpu"; }
  DType compute_type() const override { return compute_type_; }

  bool supports_op(const OpCall& call) const override {
    if (!well_formed(call)) return false;
    const bool needs_weight = call.kind == OpKind::Conv2d || call.kind == OpKind::Linear;
    return !needs_weight || dynamic_cast<const cpu::F32PreparedWeight*>(call.weight) != nullptr;
  }

  void compute(const OpCall& call) override {
    if (!supports_op(call)) unsupported(call);
    const auto* w = dynamic_cast<const cpu::F32PreparedWeight*>(call.weight);
    cpu::reference_compute(call, w ? &w->data() : nullptr);
  }

  std::shared_ptr<const PreparedWeight> prepare_weight(const WeightDesc& desc) override {
    return std::make_shared<cpu::F32PreparedWeight>(*this, pool_, desc);
  }

 private:
  DType compute_type_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const CpuBackendOptions& options) {
  return std::make_unique<CpuBackend>(options);
}

}  // namespace pixforge
