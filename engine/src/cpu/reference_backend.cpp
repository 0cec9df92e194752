// The reference backend: naive f32 loops (reference_kernels.cpp) on pooled host memory.
#include "host_backend.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge {

namespace {

class ReferenceBackend final : public cpu::HostBackend {
 public:
  std::string_view name() const override { return "reference"; }
  DType compute_type() const override { return DType::F32; }

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
};

}  // namespace

std::unique_ptr<Backend> make_reference_backend() { return std::make_unique<ReferenceBackend>(); }

}  // namespace pixforge
