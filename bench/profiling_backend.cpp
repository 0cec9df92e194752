// The per-op timing decorator (profiling_backend.h).
#include "profiling_backend.h"

#include <algorithm>

#include "harness.h"

namespace pixforge::bench {
namespace {

// Memory of the wrapped backend seen as the profiler's.
class ProxyBuffer final : public Buffer {
 public:
  ProxyBuffer(std::shared_ptr<Buffer> inner, Backend& owner)
      : inner_(std::move(inner)), owner_(owner) {}
  void* data() override { return inner_->data(); }
  std::size_t size() const override { return inner_->size(); }
  Backend& backend() const override { return owner_; }

 private:
  std::shared_ptr<Buffer> inner_;
  Backend& owner_;
};

// Profiler-side memory seen as the wrapped backend's (no ownership: lives for one call).
class AliasBuffer final : public Buffer {
 public:
  AliasBuffer(void* data, std::size_t size, Backend& owner)
      : data_(data), size_(size), owner_(owner) {}
  void* data() override { return data_; }
  std::size_t size() const override { return size_; }
  Backend& backend() const override { return owner_; }

 private:
  void* data_;
  std::size_t size_;
  Backend& owner_;
};

class ProxyWeight final : public PreparedWeight {
 public:
  ProxyWeight(std::shared_ptr<const PreparedWeight> inner, Backend& owner)
      : inner_(std::move(inner)), owner_(owner) {}
  Backend& backend() const override { return owner_; }
  const Shape& shape() const override { return inner_->shape(); }
  bool has_bias() const override { return inner_->has_bias(); }
  Conv2dSpec conv_spec() const override { return inner_->conv_spec(); }
  const PreparedWeight& inner() const { return *inner_; }

 private:
  std::shared_ptr<const PreparedWeight> inner_;
  Backend& owner_;
};

// Convolutions split into depthwise / grouped / 1x1 / dense, the families with different
// kernels.
std::string kind_of(const OpCall& call) {
  std::string kind(op_name(call.kind));
  if (call.kind != OpKind::Conv2d) return kind;
  const int groups = call.weight->conv_spec().groups;
  if (groups == 1) return kind + (call.weight->shape()[2] == 1 ? " 1x1" : " dense");
  return kind + (call.weight->shape()[1] == 1 ? " depthwise" : " grouped");
}

double flops_of(const OpCall& call) {
  if (call.kind != OpKind::Conv2d && call.kind != OpKind::Linear) return 0.0;
  const Shape& w = call.weight->shape();
  double per_out = 2.0 * static_cast<double>(w[1]);
  if (w.rank() == 4) per_out *= static_cast<double>(w[2] * w[3]);
  return per_out * static_cast<double>(call.out->numel());
}

std::string signature(const OpCall& call) {
  std::string s = call.in[0]->shape().str();
  if (call.weight != nullptr) {
    s += " w" + call.weight->shape().str();
    if (call.kind == OpKind::Conv2d) {
      const Conv2dSpec c = call.weight->conv_spec();
      s += " s" + std::to_string(c.stride_h) + " g" + std::to_string(c.groups);
    }
  }
  if (call.kind == OpKind::Attention) s += " k" + call.in[1]->shape().str();
  const bool residual_slot = call.kind == OpKind::Conv2d || call.kind == OpKind::Linear;
  if (residual_slot && call.in[1] != nullptr) s += " +residual";
  if (call.kind == OpKind::Activation) s += " act" + std::to_string(int(call.params.act));
  return s;
}

}  // namespace

std::shared_ptr<Buffer> ProfilingBackend::allocate(std::size_t bytes) {
  return std::make_shared<ProxyBuffer>(inner_.allocate(bytes), *this);
}

void ProfilingBackend::write(const Tensor& dst, const void* src, std::size_t bytes) {
  inner_.write(alias(dst), src, bytes);
}

void ProfilingBackend::read(const Tensor& src, void* dst, std::size_t bytes) const {
  inner_.read(alias(src), dst, bytes);
}

bool ProfilingBackend::supports_op(const OpCall& call) const {
  Unwrapped u = unwrap(call);
  return inner_.supports_op(u.call);
}

void ProfilingBackend::compute(const OpCall& call) {
  Unwrapped u = unwrap(call);
  const double w0 = wall_now(), c0 = cpu_now();
  inner_.compute(u.call);
  const double w = wall_now() - w0, c = cpu_now() - c0;
  if (!recording_) return;
  const double f = flops_of(call);
  const std::string kind = kind_of(call);
  by_kind_[kind].add(w, c, f);
  by_shape_[std::string(op_name(call.kind)) + " " + signature(call)].add(w, c, f);
  total_.add(w, c, f);
}

std::shared_ptr<const PreparedWeight> ProfilingBackend::prepare_weight(const WeightDesc& desc) {
  return std::make_shared<ProxyWeight>(inner_.prepare_weight(desc), *this);
}

void ProfilingBackend::clear() {
  by_kind_.clear();
  by_shape_.clear();
  total_ = {};
}

std::vector<std::pair<std::string, OpCost>> ProfilingBackend::by_cpu(
    const std::map<std::string, OpCost>& costs) {
  std::vector<std::pair<std::string, OpCost>> out(costs.begin(), costs.end());
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.second.cpu > b.second.cpu; });
  return out;
}

Tensor ProfilingBackend::alias(const Tensor& t) const {
  if (!t.defined()) return t;
  return Tensor(std::make_shared<AliasBuffer>(t.data(), t.nbytes(), inner_), 0, t.shape(),
                t.dtype());
}

ProfilingBackend::Unwrapped ProfilingBackend::unwrap(const OpCall& call) const {
  Unwrapped u;
  u.call = call;
  for (std::size_t i = 0; i < call.in.size(); ++i) {
    if (call.in[i] == nullptr) continue;
    u.in[i] = alias(*call.in[i]);
    u.call.in[i] = &u.in[i];
  }
  if (call.out != nullptr) {
    u.out = alias(*call.out);
    u.call.out = &u.out;
  }
  if (const auto* w = dynamic_cast<const ProxyWeight*>(call.weight)) u.call.weight = &w->inner();
  return u;
}

}  // namespace pixforge::bench
