// ops.h: build an OpCall, allocate its output on the inputs' backend, dispatch.
//
// Seam contract (what every backend may rely on when compute() is called from here):
//  - op_output_shape(call) succeeded, so ranks, channel counts, groups and dtypes are valid;
//  - every input lives on the same backend as `out`;
//  - `out` is a fresh contiguous tensor of the output shape, F32 (Convert, and the Conv2d and
//    GroupNorm overloads that take one: the requested float dtype; UpsampleNearest: F32 or
//    the input's dtype), never aliasing an input;
//  - inputs may be F32, F16 or BF16 in any mix; backends compute in f32 or their compute_type.
#include "pixforge/core/ops.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace pixforge {

std::string_view op_name(OpKind kind) {
  switch (kind) {
    case OpKind::Conv2d:
      return "conv2d";
    case OpKind::Linear:
      return "linear";
    case OpKind::GroupNorm:
      return "group_norm";
    case OpKind::LayerNorm:
      return "layer_norm";
    case OpKind::Softmax:
      return "softmax";
    case OpKind::Activation:
      return "activation";
    case OpKind::Geglu:
      return "geglu";
    case OpKind::UpsampleNearest:
      return "upsample_nearest";
    case OpKind::Attention:
      return "attention";
    case OpKind::Add:
      return "add";
    case OpKind::Mul:
      return "mul";
    case OpKind::ScaleBias:
      return "scale_bias";
    case OpKind::Concat:
      return "concat";
    case OpKind::Convert:
      return "convert";
    case OpKind::MaxPool2d:
      return "max_pool2d";
    case OpKind::AvgPool2d:
      return "avg_pool2d";
    case OpKind::Pad:
      return "pad";
    case OpKind::DepthToSpace:
      return "depth_to_space";
    case OpKind::Clip:
      return "clip";
    case OpKind::MeanHW:
      return "mean_hw";
  }
  return "unknown";
}

namespace ops {

namespace {

Backend& backend_of(const OpCall& call) {
  Backend& b = call.in[0]->backend();
  for (const Tensor* t : call.in) {
    if (t != nullptr && t->defined() && &t->backend() != &b) {
      throw std::invalid_argument(std::string(op_name(call.kind)) +
                                  ": inputs live on different backends");
    }
  }
  if (call.weight != nullptr && &call.weight->backend() != &b) {
    throw std::invalid_argument(std::string(op_name(call.kind)) +
                                ": weight prepared for a different backend than its input");
  }
  return b;
}

// Validates, allocates the output and runs the call on the inputs' backend.
Tensor dispatch(OpCall call, DType out_dtype = DType::F32) {
  if (call.in[0] == nullptr || !call.in[0]->defined()) {
    throw std::invalid_argument(std::string(op_name(call.kind)) + ": undefined input");
  }
  Backend& backend = backend_of(call);
  const Shape shape = op_output_shape(call);
  Tensor out = Tensor::empty(backend, shape, out_dtype);
  call.out = &out;
  if (!backend.supports_op(call)) {
    throw UnsupportedOp(std::string(op_name(call.kind)) + " with input " +
                        call.in[0]->shape().str() + " (" +
                        std::string(dtype_name(call.in[0]->dtype())) +
                        ") is not supported by the " + std::string(backend.name()) + " backend");
  }
  backend.compute(call);
  return out;
}

OpCall make(OpKind kind, const Tensor* a, const Tensor* b = nullptr, const Tensor* c = nullptr) {
  OpCall call;
  call.kind = kind;
  call.in = {a, b, c, nullptr};
  return call;
}

void check_weight_tensor(const Tensor& w, const Tensor* bias, const char* what) {
  if (!w.defined() || !w.backend().is_host() || !is_float_dtype(w.dtype())) {
    throw std::invalid_argument(std::string(what) + ": weight must be a host f32/f16/bf16 tensor");
  }
  if (bias != nullptr &&
      (!bias->defined() || !bias->backend().is_host() || !is_float_dtype(bias->dtype()) ||
       bias->rank() != 1 || bias->dim(0) != w.dim(0))) {
    throw std::invalid_argument(std::string(what) + ": bias must be a host float tensor [" +
                                std::to_string(w.dim(0)) + "]");
  }
}

void require_float_output(const char* op, DType out) {
  if (!is_float_dtype(out)) {
    throw std::invalid_argument(std::string(op) + ": output dtype " + std::string(dtype_name(out)) +
                                " is not a float type");
  }
}

}  // namespace

std::shared_ptr<const PreparedWeight> prepare_conv2d(Backend& backend, const Tensor& weight_oihw,
                                                     const Tensor* bias, const Conv2dSpec& spec) {
  check_weight_tensor(weight_oihw, bias, "prepare_conv2d");
  const Shape& s = weight_oihw.shape();
  if (s.rank() != 4 || s.numel() == 0) {
    throw std::invalid_argument("prepare_conv2d: weight " + s.str() + " must be non-empty OIHW");
  }
  if (spec.groups < 1 || s[0] % spec.groups != 0) {
    throw std::invalid_argument("prepare_conv2d: " + std::to_string(s[0]) +
                                " output channels do not split into " +
                                std::to_string(spec.groups) + " groups");
  }
  if (spec.stride_h < 1 || spec.stride_w < 1 || spec.dilation_h < 1 || spec.dilation_w < 1 ||
      spec.pad_top < 0 || spec.pad_bottom < 0 || spec.pad_left < 0 || spec.pad_right < 0) {
    throw std::invalid_argument("prepare_conv2d: strides/dilations must be >= 1, pads >= 0");
  }
  WeightDesc desc;
  desc.use = WeightDesc::Use::Conv2d;
  desc.weight = &weight_oihw;
  desc.bias = bias;
  desc.conv = spec;
  return backend.prepare_weight(desc);
}

std::shared_ptr<const PreparedWeight> prepare_linear(Backend& backend, const Tensor& weight_out_in,
                                                     const Tensor* bias) {
  check_weight_tensor(weight_out_in, bias, "prepare_linear");
  if (weight_out_in.rank() != 2 || weight_out_in.numel() == 0) {
    throw std::invalid_argument("prepare_linear: weight " + weight_out_in.shape().str() +
                                " must be non-empty [out, in]");
  }
  WeightDesc desc;
  desc.use = WeightDesc::Use::Linear;
  desc.weight = &weight_out_in;
  desc.bias = bias;
  return backend.prepare_weight(desc);
}

Tensor conv2d(const Tensor& x, const PreparedWeight& w, Activation act, const Tensor* residual) {
  OpCall call = make(OpKind::Conv2d, &x, residual);
  call.weight = &w;
  call.params.act = act;
  return dispatch(call);
}

Tensor linear(const Tensor& x, const PreparedWeight& w, Activation act, const Tensor* residual) {
  OpCall call = make(OpKind::Linear, &x, residual);
  call.weight = &w;
  call.params.act = act;
  return dispatch(call);
}

Tensor conv2d(const Tensor& x, const PreparedWeight& w, Activation act, const Tensor* residual,
              Activation post_act) {
  OpCall call = make(OpKind::Conv2d, &x, residual);
  call.weight = &w;
  call.params.act = act;
  call.params.post_act = post_act;
  return dispatch(call);
}

Tensor linear(const Tensor& x, const PreparedWeight& w, Activation act, const Tensor* residual,
              Activation post_act) {
  OpCall call = make(OpKind::Linear, &x, residual);
  call.weight = &w;
  call.params.act = act;
  call.params.post_act = post_act;
  return dispatch(call);
}

Tensor group_norm(const Tensor& x, int groups, const Tensor& gamma, const Tensor& beta, float eps,
                  Activation act) {
  OpCall call = make(OpKind::GroupNorm, &x, &gamma, &beta);
  call.params.groups = groups;
  call.params.eps = eps;
  call.params.act = act;
  return dispatch(call);
}

Tensor conv2d(const Tensor& x, const PreparedWeight& w, Activation act, const Tensor* residual,
              Activation post_act, DType out) {
  require_float_output("conv2d", out);
  OpCall call = make(OpKind::Conv2d, &x, residual);
  call.weight = &w;
  call.params.act = act;
  call.params.post_act = post_act;
  return dispatch(call, out);
}

Tensor group_norm(const Tensor& x, int groups, const Tensor& gamma, const Tensor& beta, float eps,
                  Activation act, DType out) {
  require_float_output("group_norm", out);
  OpCall call = make(OpKind::GroupNorm, &x, &gamma, &beta);
  call.params.groups = groups;
  call.params.eps = eps;
  call.params.act = act;
  return dispatch(call, out);
}

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  OpCall call = make(OpKind::LayerNorm, &x, &gamma, &beta);
  call.params.eps = eps;
  return dispatch(call);
}

Tensor softmax(const Tensor& x) { return dispatch(make(OpKind::Softmax, &x)); }

Tensor activation(const Tensor& x, Activation act) {
  OpCall call = make(OpKind::Activation, &x);
  call.params.act = act;
  return dispatch(call);
}

Tensor geglu(const Tensor& x) { return dispatch(make(OpKind::Geglu, &x)); }

Tensor upsample_nearest(const Tensor& x, int factor) {
  OpCall call = make(OpKind::UpsampleNearest, &x);
  call.params.factor = factor;
  return dispatch(call);
}

Tensor upsample_nearest(const Tensor& x, int factor, DType out) {
  if (out != DType::F32 && (!x.defined() || out != x.dtype())) {
    throw std::invalid_argument("upsample_nearest: output dtype " + std::string(dtype_name(out)) +
                                " is neither f32 nor the input's");
  }
  OpCall call = make(OpKind::UpsampleNearest, &x);
  call.params.factor = factor;
  return dispatch(call, out);
}

Tensor upsample_nearest(const Tensor& x, std::int64_t out_h, std::int64_t out_w) {
  OpCall call = make(OpKind::UpsampleNearest, &x);
  call.params.out_h = out_h;
  call.params.out_w = out_w;
  return dispatch(call);
}

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, int heads, float scale,
                 bool causal) {
  OpCall call = make(OpKind::Attention, &q, &k, &v);
  call.params.heads = heads;
  call.params.scale = scale;
  call.params.causal = causal;
  return dispatch(call);
}

Tensor add(const Tensor& a, const Tensor& b) { return dispatch(make(OpKind::Add, &a, &b)); }

Tensor mul(const Tensor& a, const Tensor& b) { return dispatch(make(OpKind::Mul, &a, &b)); }

Tensor scale_bias(const Tensor& x, float scale, float bias) {
  OpCall call = make(OpKind::ScaleBias, &x);
  call.params.scale = scale;
  call.params.bias = bias;
  return dispatch(call);
}

Tensor concat(const std::vector<Tensor>& parts, int axis) {
  if (parts.size() < 2 || parts.size() > 4) {
    throw std::invalid_argument("concat: needs 2 to 4 parts, got " + std::to_string(parts.size()));
  }
  OpCall call;
  call.kind = OpKind::Concat;
  for (std::size_t i = 0; i < parts.size(); ++i) call.in[i] = &parts[i];
  call.params.axis = axis;
  return dispatch(call);
}

Tensor convert(const Tensor& x, DType dtype) {
  if (!is_float_dtype(dtype)) {
    throw std::invalid_argument("convert: target dtype " + std::string(dtype_name(dtype)) +
                                " is not f32, f16 or bf16");
  }
  return dispatch(make(OpKind::Convert, &x), dtype);
}

namespace {

// TF's SAME split along one axis: output ceil(in / stride), the odd padding pixel at the end.
void same_pads(std::int64_t in, int kernel, int stride, int& before, int& after) {
  const std::int64_t out = (in + stride - 1) / stride;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + kernel - in, 0);
  before = static_cast<int>(total / 2);
  after = static_cast<int>(total - total / 2);
}

}  // namespace

Pool2dSpec pool2d_spec(std::int64_t h, std::int64_t w, int kernel_h, int kernel_w, int stride_h,
                       int stride_w, Padding padding) {
  if (kernel_h < 1 || kernel_w < 1 || stride_h < 1 || stride_w < 1) {
    throw std::invalid_argument("pool2d_spec: kernel " + std::to_string(kernel_h) + "x" +
                                std::to_string(kernel_w) + " and stride " +
                                std::to_string(stride_h) + "x" + std::to_string(stride_w) +
                                " must be >= 1");
  }
  if (h < 1 || w < 1) {
    throw std::invalid_argument("pool2d_spec: empty input " + std::to_string(h) + "x" +
                                std::to_string(w));
  }
  Pool2dSpec spec{kernel_h, kernel_w, stride_h, stride_w, 0, 0, 0, 0};
  if (padding == Padding::Same) {
    same_pads(h, kernel_h, stride_h, spec.pad_top, spec.pad_bottom);
    same_pads(w, kernel_w, stride_w, spec.pad_left, spec.pad_right);
  } else if (kernel_h > h || kernel_w > w) {
    throw std::invalid_argument("pool2d_spec: VALID window " + std::to_string(kernel_h) + "x" +
                                std::to_string(kernel_w) + " larger than the input " +
                                std::to_string(h) + "x" + std::to_string(w));
  }
  return spec;
}

Tensor max_pool2d(const Tensor& x, const Pool2dSpec& spec) {
  OpCall call = make(OpKind::MaxPool2d, &x);
  call.params.pool = spec;
  return dispatch(call);
}

Tensor avg_pool2d(const Tensor& x, const Pool2dSpec& spec) {
  OpCall call = make(OpKind::AvgPool2d, &x);
  call.params.pool = spec;
  return dispatch(call);
}

Tensor pad(const Tensor& x, const std::vector<std::array<std::int64_t, 2>>& pads, float value) {
  if (static_cast<int>(pads.size()) != x.rank()) {
    throw std::invalid_argument("pad: " + std::to_string(pads.size()) +
                                " {before, after} pairs for input " + x.shape().str() +
                                " (one per dim)");
  }
  OpCall call = make(OpKind::Pad, &x);
  for (std::size_t d = 0; d < pads.size(); ++d) call.params.pads[d] = pads[d];
  call.params.pad_value = value;
  return dispatch(call);
}

Tensor depth_to_space(const Tensor& x, int block) {
  OpCall call = make(OpKind::DepthToSpace, &x);
  call.params.factor = block;
  return dispatch(call);
}

Tensor clip(const Tensor& x, float lo, float hi) {
  OpCall call = make(OpKind::Clip, &x);
  call.params.clip_min = lo;
  call.params.clip_max = hi;
  return dispatch(call);
}

Tensor mean_hw(const Tensor& x) { return dispatch(make(OpKind::MeanHW, &x)); }

}  // namespace ops
}  // namespace pixforge
