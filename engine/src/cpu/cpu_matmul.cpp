// Linear layers on oneDNN matmul: x [M, K] times the weight held as a [K, N] matrix in the
// blocked layout oneDNN prefers (chosen once at prepare time), bias + activation + residual
// fused as post-ops, primitives cached per row count on the weight.
#include <unordered_map>

#include "cpu_kernels.h"

namespace pixforge::cpu {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::matmul::primitive_desc make_pd(std::int64_t m, std::int64_t k, std::int64_t n, bool bias,
                                     const dnnl::memory::desc& wmd, DType src_type, Activation act,
                                     bool residual, Activation post_act) {
  const dnnl::memory::desc src({m, k}, dnnl_type(src_type), tag::ab);
  const dnnl::memory::desc dst({m, n}, dt::f32, tag::ab);
  const dnnl::memory::desc bmd =
      bias ? dnnl::memory::desc({1, n}, dt::f32, tag::ab) : dnnl::memory::desc();
  dnnl::post_ops ops;
  append_activation(ops, act);
  if (residual) ops.append_sum(1.0f);
  append_activation(ops, post_act);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return {dnnl::matmul::desc(src, wmd, bmd, dst), attr, dnnl_engine()};
}

// As for convolutions: let oneDNN choose the layout per shape, reuse the prepared weights when
// it matches, reorder once when it does not (CpuWeight::weights_as).
CachedPrimitive build(const CpuWeight& w, std::int64_t m, DType src_type, Activation act,
                      bool residual, Activation post_act) {
  const std::int64_t n = w.shape()[0], k = w.shape()[1];
  const dnnl::memory::desc any({k, n}, dnnl_type(w.compute_type()), tag::any);
  auto pd = make_pd(m, k, n, w.has_bias(), any, src_type, act, residual, post_act);
  return {dnnl::matmul(pd), w.weights_as(pd.weights_desc())};
}

}  // namespace

std::shared_ptr<const PreparedWeight> prepare_linear_weight(Backend& backend, HostPool& pool,
                                                            const WeightDesc& desc, DType compute) {
  const std::int64_t n = desc.weight->dim(0), k = desc.weight->dim(1);
  // Representative row count: SD's attention projections see 77..4096 rows; 256 already
  // selects the blocked (brgemm) kernels and their weight layout.
  const dnnl::memory::desc any({k, n}, dnnl_type(compute), tag::any);
  const auto pd = make_pd(256, k, n, desc.bias != nullptr, any, compute, Activation::None, false,
                          Activation::None);
  // PyTorch's [out, in] row-major is the [K, N] matrix in column-major ("ba").
  const dnnl::memory::desc plain({k, n}, dt::f32, tag::ba);
  return std::make_shared<CpuWeight>(backend, pool, desc, compute, plain, pd.weights_desc());
}

void linear(const OpCall& call, HostPool& pool) {
  const auto& w = static_cast<const CpuWeight&>(*call.weight);
  const Tensor& x = *call.in[0];
  const std::int64_t k = w.shape()[1], n = w.shape()[0], m = x.numel() / k;
  const bool residual = call.in[1] != nullptr;
  const DType src_type = w.compute_type();
  const Activation act = call.params.act, post_act = call.params.post_act;
  const PrimitiveKey key{m,       0, 0, static_cast<std::int64_t>(src_type), act_key(act, post_act),
                         residual};
  const CachedPrimitive& prim =
      w.primitive(key, [&] { return build(w, m, src_type, act, residual, post_act); });
  const Staged src = stage_as(x, src_type, pool);
  if (residual) copy_to_f32(*call.in[1], call.out->host<float>());
  dnnl::memory src_mem({{m, k}, dnnl_type(src_type), tag::ab}, dnnl_engine(), src.data);
  dnnl::memory dst_mem({{m, n}, dt::f32, tag::ab}, dnnl_engine(), call.out->data());
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, src_mem}, {DNNL_ARG_WEIGHTS, prim.weights}, {DNNL_ARG_DST, dst_mem}};
  if (w.bias() != nullptr) {
    args.emplace(DNNL_ARG_BIAS, dnnl::memory({{1, n}, dt::f32, tag::ab}, dnnl_engine(),
                                             w.bias()->get_data_handle()));
  }
  prim.primitive.execute(dnnl_stream(), args);
  dnnl_stream().wait();
}

}  // namespace pixforge::cpu
