// Convolution on oneDNN: NHWC activations, weights in the blocked layout oneDNN prefers (chosen
// once at prepare time for a representative input), bias + activation + residual fused as
// post-ops, primitives cached per input shape on the weight.
#include <algorithm>
#include <unordered_map>

#include "cpu_conv_narrow.h"
#include "cpu_convert.h"
#include "cpu_kernels.h"

namespace pixforge::cpu {

namespace {

using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

struct ConvGeometry {
  std::int64_t n, h, w, cin, cout, kh, kw;
  Conv2dSpec spec;
  bool bias;
};

dims weight_dims(const ConvGeometry& g) {
  const std::int64_t groups = g.spec.groups;
  if (groups == 1) return {g.cout, g.cin, g.kh, g.kw};
  return {groups, g.cout / groups, g.cin / groups, g.kh, g.kw};
}

std::int64_t out_extent(std::int64_t in, std::int64_t k, int stride, int pad0, int pad1, int dil) {
  return (in + pad0 + pad1 - (dil * (k - 1) + 1)) / stride + 1;
}

dnnl::convolution_forward::primitive_desc make_pd(const ConvGeometry& g,
                                                  const dnnl::memory::desc& wmd, DType src_type,
                                                  Activation act, bool residual,
                                                  Activation post_act, DType dst_type) {
  const Conv2dSpec& s = g.spec;
  const std::int64_t ho = out_extent(g.h, g.kh, s.stride_h, s.pad_top, s.pad_bottom, s.dilation_h);
  const std::int64_t wo = out_extent(g.w, g.kw, s.stride_w, s.pad_left, s.pad_right, s.dilation_w);
  const dnnl::memory::desc src({g.n, g.cin, g.h, g.w}, dnnl_type(src_type), tag::nhwc);
  const dnnl::memory::desc dst({g.n, g.cout, ho, wo}, dnnl_type(dst_type), tag::nhwc);
  const dnnl::memory::desc bias =
      g.bias ? dnnl::memory::desc({g.cout}, dt::f32, tag::a) : dnnl::memory::desc();
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference,
                                    dnnl::algorithm::convolution_direct, src, wmd, bias, dst,
                                    {s.stride_h, s.stride_w}, {s.dilation_h - 1, s.dilation_w - 1},
                                    {s.pad_top, s.pad_left}, {s.pad_bottom, s.pad_right});
  dnnl::post_ops ops;
  append_activation(ops, act);
  if (residual) ops.append_sum(1.0f);
  append_activation(ops, post_act);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return {d, attr, dnnl_engine()};
}

ConvGeometry geometry(const CpuWeight& w, const Tensor& x) {
  const Shape& s = w.shape();
  const Conv2dSpec spec = w.conv_spec();
  return {x.dim(0), x.dim(1), x.dim(2), s[1] * spec.groups, s[0], s[2], s[3], spec, w.has_bias()};
}

// oneDNN picks its best kernel for each shape with the weight layout left open (any); that
// kernel's layout is usually the one prepared at load time, otherwise the weight is reordered
// once for it (see CpuWeight::weights_as). Forcing the prepared layout instead can make oneDNN
// fall back to its reference convolution, hundreds of times slower.
CachedPrimitive build(const CpuWeight& w, const ConvGeometry& g, DType src_type, Activation act,
                      bool residual, Activation post_act, DType dst_type) {
  const dnnl::memory::desc any(weight_dims(g), dnnl_type(w.compute_type()), tag::any);
  auto pd = make_pd(g, any, src_type, act, residual, post_act, dst_type);
  return {dnnl::convolution_forward(pd), w.weights_as(pd.weights_desc())};
}

}  // namespace

std::shared_ptr<const PreparedWeight> prepare_conv_weight(Backend& backend, HostPool& pool,
                                                          const WeightDesc& desc, DType compute) {
  const Shape& s = desc.weight->shape();
  // Depthwise convolutions (one input channel per group) do 9-25 MACs per element loaded:
  // memory-bound, so bf16 buys no arithmetic and costs an f32 -> bf16 pass over every input
  // (activations stay f32 between ops). In f32 they read the input as it is: 15-30 % faster
  // at MobileNetV2 / BlazeFace shapes (bench_kernels BM_DepthwiseConv).
  if (desc.conv.groups > 1 && s[1] == 1) compute = DType::F32;
  if (narrow_conv_fits(desc)) return prepare_narrow_conv(backend, pool, desc, compute);
  ConvGeometry g{1,    0,    0,         s[1] * desc.conv.groups, s[0],
                 s[2], s[3], desc.conv, desc.bias != nullptr};
  // A representative input: 32x32 (or the kernel's extent) is where SD's blocked kernels and
  // their weight layouts are already in their steady state.
  g.h = std::max<std::int64_t>(32, desc.conv.dilation_h * (g.kh - 1) + 1);
  g.w = std::max<std::int64_t>(32, desc.conv.dilation_w * (g.kw - 1) + 1);
  const dnnl::memory::desc any(weight_dims(g), dnnl_type(compute), tag::any);
  const auto pd = make_pd(g, any, compute, Activation::None, false, Activation::None, DType::F32);
  const dnnl::memory::desc plain(weight_dims(g), dt::f32,
                                 g.spec.groups == 1 ? tag::oihw : tag::goihw);
  return std::make_shared<CpuWeight>(backend, pool, desc, compute, plain, pd.weights_desc());
}

namespace {

void conv2d_dnnl(const OpCall& call, HostPool& pool) {
  const auto& w = static_cast<const CpuWeight&>(*call.weight);
  const Tensor& x = *call.in[0];
  const bool residual = call.in[1] != nullptr;
  const DType src_type = w.compute_type();
  const ConvGeometry g = geometry(w, x);
  const Activation act = call.params.act, post_act = call.params.post_act;
  const DType dst_type = call.out->dtype();
  // The residual flag and the output dtype share the key's last slot.
  const PrimitiveKey key{g.n,
                         g.h,
                         g.w,
                         static_cast<std::int64_t>(src_type),
                         act_key(act, post_act),
                         (residual ? 1 : 0) + 2 * static_cast<std::int64_t>(dst_type)};
  const CachedPrimitive& prim =
      w.primitive(key, [&] { return build(w, g, src_type, act, residual, post_act, dst_type); });
  const Staged src = stage_as(x, src_type, pool);
  // oneDNN's sum post-op adds what dst holds: the residual, in the output's dtype.
  if (residual) {
    convert_elements(call.in[1]->dtype(), call.in[1]->data(), dst_type, call.out->data(),
                     static_cast<std::size_t>(call.out->numel()));
  }
  const auto& pd_src = dnnl::memory::desc({g.n, g.cin, g.h, g.w}, dnnl_type(src_type), tag::nhwc);
  const dnnl::memory::desc dst_md(
      {call.out->dim(0), call.out->dim(3), call.out->dim(1), call.out->dim(2)}, dnnl_type(dst_type),
      tag::nhwc);
  dnnl::memory src_mem(pd_src, dnnl_engine(), src.data);
  dnnl::memory dst_mem(dst_md, dnnl_engine(), call.out->data());
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, src_mem}, {DNNL_ARG_WEIGHTS, prim.weights}, {DNNL_ARG_DST, dst_mem}};
  if (w.bias() != nullptr) args.emplace(DNNL_ARG_BIAS, *w.bias());
  prim.primitive.execute(dnnl_stream(), args);
  dnnl_stream().wait();
}

// Runs `call` into an f32 map, then converts that into the requested output. For the kernels
// that write only f32: narrow convolutions (<= 8 output channels: small maps), and oneDNN
// convolutions asked for a 16-bit output other than their compute type (its kernels write
// f32 or their own type).
template <class Kernel>
void via_f32(const OpCall& call, HostPool& pool, Kernel kernel) {
  Tensor f32 = Tensor::empty(call.out->backend(), call.out->shape());
  OpCall c = call;
  c.out = &f32;
  kernel(c, pool);
  convert_elements(DType::F32, f32.data(), call.out->dtype(), call.out->data(),
                   static_cast<std::size_t>(f32.numel()));
}

}  // namespace

void conv2d(const OpCall& call, HostPool& pool) {
  const bool f32_out = call.out->dtype() == DType::F32;
  if (is_narrow_conv(call.weight)) {
    return f32_out ? narrow_conv2d(call, pool) : via_f32(call, pool, narrow_conv2d);
  }
  const auto& w = static_cast<const CpuWeight&>(*call.weight);
  if (!f32_out && call.out->dtype() != w.compute_type()) {
    return via_f32(call, pool, conv2d_dnnl);
  }
  conv2d_dnnl(call, pool);
}

}  // namespace pixforge::cpu
