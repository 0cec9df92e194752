// The CPU backend: a switch on the op calling one kernel function per op family (cpu_*.cpp).
// Conv and linear run on oneDNN; the rest are our own OpenMP-parallel, vectorised loops on
// oneDNN's OpenMP pool (never a second thread pool).
#include "pixforge/cpu/cpu_backend.h"

#include <omp.h>

#include <string>

#include "cpu_conv_narrow.h"
#include "cpu_features.h"
#include "cpu_kernels.h"
#include "host_backend.h"
#include "reference_kernels.h"

namespace pixforge {

namespace {

// bf16 compute needs native bf16 dot products (avx512_bf16 or AMX); otherwise f32.
DType effective_compute_type(DType requested) {
  if (requested == DType::F32) return DType::F32;
  return dnnl::get_effective_cpu_isa() >= dnnl::cpu_isa::avx512_core_bf16 ? DType::BF16
                                                                          : DType::F32;
}

// OpenMP's default (OMP_NUM_THREADS or all cores), read before any backend changed it.
int default_threads() {
  static const int threads = omp_get_max_threads();
  return threads;
}

class CpuBackend final : public cpu::HostBackend {
 public:
  explicit CpuBackend(const CpuBackendOptions& options)
      : compute_type_(effective_compute_type(options.compute_type)),
        threads_(options.threads > 0 ? options.threads : default_threads()) {}

  std::string_view name() const override { return "cpu"; }
  DType compute_type() const override { return compute_type_; }

  bool supports_op(const OpCall& call) const override {
    if (!well_formed(call)) return false;
    const bool needs_weight = call.kind == OpKind::Conv2d || call.kind == OpKind::Linear;
    const auto* w = dynamic_cast<const cpu::CpuWeight*>(call.weight);
    if (!needs_weight) return true;
    if (call.kind == OpKind::Conv2d && cpu::is_narrow_conv(call.weight)) return true;
    return w != nullptr && (call.kind == OpKind::Conv2d) == (w->shape().rank() == 4);
  }

  void compute(const OpCall& call) override {
    if (!supports_op(call)) unsupported(call);
    if (call.out->numel() == 0) return;
    // OpenMP's thread count is a per-thread setting: apply it on the thread that computes.
    if (omp_get_max_threads() != threads_) omp_set_num_threads(threads_);
    try {
      run(call);
    } catch (const dnnl::error& e) {
      // oneDNN's own message names no op or shape; say which call it could not run.
      throw UnsupportedOp(std::string(op_name(call.kind)) + " on input " +
                          call.in[0]->shape().str() + ": oneDNN failed (" + e.what() + ")");
    }
  }

  std::shared_ptr<const PreparedWeight> prepare_weight(const WeightDesc& desc) override {
    const bool conv = desc.use == WeightDesc::Use::Conv2d;
    try {
      return conv ? cpu::prepare_conv_weight(*this, pool_, desc, compute_type_)
                  : cpu::prepare_linear_weight(*this, pool_, desc, compute_type_);
    } catch (const dnnl::error& e) {
      throw UnsupportedOp(std::string(conv ? "conv2d" : "linear") + " weight " +
                          desc.weight->shape().str() + ": oneDNN cannot prepare it (" + e.what() +
                          ")");
    }
  }

 private:
  void run(const OpCall& call) {
    // A portable build on a CPU without AVX-512: the ops whose fast kernels need it run the
    // reference loops (correct, slower); convolutions, matmuls and layout ops stay fast.
    const bool fast = call.kind == OpKind::Attention ? cpu::has_avx512_bf16() : cpu::has_avx512();
    if (!fast && needs_avx512(call.kind)) return cpu::reference_compute(call, nullptr);
    switch (call.kind) {
      case OpKind::Conv2d:
        return cpu::conv2d(call, pool_);
      case OpKind::Linear:
        return cpu::linear(call, pool_);
      case OpKind::Attention:
        return cpu::attention(call, pool_, compute_type_);
      case OpKind::GroupNorm:
        return cpu::group_norm(call, pool_);
      case OpKind::LayerNorm:
        return cpu::layer_norm(call, pool_);
      case OpKind::Softmax:
        return cpu::softmax(call, pool_);
      case OpKind::Activation:
        return cpu::activation(call, pool_);
      case OpKind::Geglu:
        return cpu::geglu(call, pool_);
      case OpKind::UpsampleNearest:
        return cpu::upsample_nearest(call, pool_);
      case OpKind::Add:
      case OpKind::Mul:
        return cpu::binary(call, pool_);
      case OpKind::ScaleBias:
        return cpu::scale_bias(call, pool_);
      case OpKind::Concat:
        return cpu::concat(call, pool_);
      case OpKind::Convert:
        return cpu::convert(call);
      case OpKind::MaxPool2d:
      case OpKind::AvgPool2d:
        return cpu::pool2d(call, pool_);
      case OpKind::Pad:
        return cpu::pad(call, pool_);
      case OpKind::DepthToSpace:
        return cpu::depth_to_space(call, pool_);
      case OpKind::Clip:
        return cpu::clip(call, pool_);
      case OpKind::MeanHW:
        return cpu::mean_hw(call, pool_);
    }
    unsupported(call);
  }

  static bool needs_avx512(OpKind kind) {
    switch (kind) {
      case OpKind::Attention:
      case OpKind::GroupNorm:
      case OpKind::LayerNorm:
      case OpKind::Softmax:
      case OpKind::Activation:
      case OpKind::Geglu:
      case OpKind::Add:
      case OpKind::Mul:
      case OpKind::ScaleBias:
      case OpKind::Clip:
      case OpKind::MeanHW:
        return true;
      default:
        return false;
    }
  }

  DType compute_type_;
  int threads_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const CpuBackendOptions& options) {
  return std::make_unique<CpuBackend>(options);
}

}  // namespace pixforge
