#include "cpu_dnnl.h"

#include "cpu_convert.h"

namespace pixforge::cpu {

const dnnl::engine& dnnl_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& dnnl_stream() {
  thread_local dnnl::stream stream(dnnl_engine());
  return stream;
}

dnnl::memory::data_type dnnl_type(DType t) {
  switch (t) {
    case DType::F32:
      return dnnl::memory::data_type::f32;
    case DType::F16:
      return dnnl::memory::data_type::f16;
    case DType::BF16:
      return dnnl::memory::data_type::bf16;
    default:
      return dnnl::memory::data_type::undef;
  }
}

void append_activation(dnnl::post_ops& ops, Activation act) {
  using A = dnnl::algorithm;
  switch (act) {
    case Activation::None:
      return;
    case Activation::Relu:
      ops.append_eltwise(1.0f, A::eltwise_relu, 0.0f, 0.0f);
      return;
    case Activation::Silu:
      ops.append_eltwise(1.0f, A::eltwise_swish, 1.0f, 0.0f);
      return;
    case Activation::Gelu:
      ops.append_eltwise(1.0f, A::eltwise_gelu_erf, 0.0f, 0.0f);
      return;
    case Activation::GeluTanh:
      ops.append_eltwise(1.0f, A::eltwise_gelu_tanh, 0.0f, 0.0f);
      return;
    case Activation::QuickGelu:
      ops.append_eltwise(1.0f, A::eltwise_swish, 1.702f, 0.0f);
      return;
    case Activation::Sigmoid:
      ops.append_eltwise(1.0f, A::eltwise_logistic, 0.0f, 0.0f);
      return;
    case Activation::Tanh:
      ops.append_eltwise(1.0f, A::eltwise_tanh, 0.0f, 0.0f);
      return;
    case Activation::Relu6:
      ops.append_eltwise(1.0f, A::eltwise_clip, 0.0f, 6.0f);
      return;
  }
}

Staged stage_as(const Tensor& t, DType want, HostPool& pool) {
  if (t.dtype() == want) return {t.data(), nullptr};
  Staged s;
  s.hold = pool.allocate(static_cast<std::size_t>(t.numel()) * dtype_size(want));
  s.data = s.hold->data();
  convert_elements(t.dtype(), t.data(), want, s.data, static_cast<std::size_t>(t.numel()));
  return s;
}

void copy_to_f32(const Tensor& src, float* dst) {
  convert_elements(src.dtype(), src.data(), DType::F32, dst, static_cast<std::size_t>(src.numel()));
}

}  // namespace pixforge::cpu
