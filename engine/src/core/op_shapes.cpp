// What a well-formed OpCall looks like, op by op: the single source of truth for output shapes
// and input validation, shared by ops.cpp (to allocate outputs) and every backend's supports_op.
#include <stdexcept>
#include <string>

#include "pixforge/core/backend.h"

namespace pixforge {

namespace {

[[noreturn]] void fail(const OpCall& call, const std::string& what) {
  throw std::invalid_argument(std::string(op_name(call.kind)) + ": " + what);
}

const Tensor& input(const OpCall& call, std::size_t i, const char* role) {
  const Tensor* t = call.in[i];
  if (t == nullptr || !t->defined()) fail(call, std::string("missing input '") + role + "'");
  if (!is_float_dtype(t->dtype())) {
    fail(call, std::string("input '") + role + "' has dtype " +
                   std::string(dtype_name(t->dtype())) + "; only f32, f16 and bf16 are supported");
  }
  return *t;
}

void require_rank(const OpCall& call, const Tensor& t, const char* role, int min_rank) {
  if (t.rank() < min_rank) {
    fail(call, std::string("input '") + role + "' " + t.shape().str() +
                   " needs rank >= " + std::to_string(min_rank));
  }
}

void require_vector(const OpCall& call, const Tensor& t, const char* role, std::int64_t n) {
  if (t.rank() != 1 || t.dim(0) != n) {
    fail(call,
         std::string("'") + role + "' " + t.shape().str() + " must be [" + std::to_string(n) + "]");
  }
}

void check_residual(const OpCall& call, const Shape& out) {
  if (call.in[1] == nullptr) return;
  const Tensor& r = input(call, 1, "residual");
  if (r.shape() != out) {
    fail(call, "residual " + r.shape().str() + " must match the output " + out.str());
  }
}

const PreparedWeight& weight(const OpCall& call) {
  if (call.weight == nullptr) fail(call, "missing prepared weight");
  return *call.weight;
}

Shape conv2d_shape(const OpCall& call, const Conv2dSpec& spec) {
  const Tensor& x = input(call, 0, "x");
  if (x.rank() != 4) fail(call, "x " + x.shape().str() + " must be NHWC (rank 4)");
  const Shape& w = weight(call).shape();
  if (w.rank() != 4) fail(call, "weight " + w.str() + " is not a conv weight");
  if (spec.groups < 1 || x.dim(3) != w[1] * spec.groups) {
    fail(call, "x channels " + std::to_string(x.dim(3)) + " != weight " + w.str() + " x groups " +
                   std::to_string(spec.groups));
  }
  if (spec.stride_h < 1 || spec.stride_w < 1 || spec.dilation_h < 1 || spec.dilation_w < 1 ||
      spec.pad_top < 0 || spec.pad_bottom < 0 || spec.pad_left < 0 || spec.pad_right < 0) {
    fail(call, "strides and dilations must be >= 1 and pads >= 0");
  }
  const std::int64_t eh = std::int64_t{spec.dilation_h} * (w[2] - 1) + 1;
  const std::int64_t ew = std::int64_t{spec.dilation_w} * (w[3] - 1) + 1;
  const std::int64_t ph = x.dim(1) + spec.pad_top + spec.pad_bottom - eh;
  const std::int64_t pw = x.dim(2) + spec.pad_left + spec.pad_right - ew;
  if (ph < 0 || pw < 0)
    fail(call, "kernel " + w.str() + " larger than padded input " + x.shape().str());
  Shape out{x.dim(0), ph / spec.stride_h + 1, pw / spec.stride_w + 1, w[0]};
  check_residual(call, out);
  return out;
}

Shape linear_shape(const OpCall& call) {
  const Tensor& x = input(call, 0, "x");
  require_rank(call, x, "x", 1);
  const Shape& w = weight(call).shape();
  if (w.rank() != 2 || w[1] != x.dim(-1)) {
    fail(call, "x " + x.shape().str() + " does not match weight [out, in] " + w.str());
  }
  Shape out = x.shape();
  out[-1] = w[0];
  check_residual(call, out);
  return out;
}

Shape norm_shape(const OpCall& call, bool group) {
  const Tensor& x = input(call, 0, "x");
  require_rank(call, x, "x", group ? 2 : 1);
  const std::int64_t c = x.dim(-1);
  require_vector(call, input(call, 1, "gamma"), "gamma", c);
  require_vector(call, input(call, 2, "beta"), "beta", c);
  if (group && (call.params.groups < 1 || c % call.params.groups != 0)) {
    fail(call, std::to_string(c) + " channels do not split into " +
                   std::to_string(call.params.groups) + " groups");
  }
  if (!(call.params.eps > 0.0f)) fail(call, "eps must be positive");
  return x.shape();
}

Shape attention_shape(const OpCall& call) {
  const Tensor& q = input(call, 0, "q");
  const Tensor& k = input(call, 1, "k");
  const Tensor& v = input(call, 2, "v");
  if (q.rank() != 3 || k.rank() != 3 || v.rank() != 3) {
    fail(call, "q, k, v must be [B, N, H*D], got " + q.shape().str() + ", " + k.shape().str() +
                   ", " + v.shape().str());
  }
  const int h = call.params.heads;
  if (h < 1 || q.dim(2) % h != 0 || v.dim(2) % h != 0) {
    fail(call, "channels of q " + q.shape().str() + " / v " + v.shape().str() +
                   " do not split into " + std::to_string(h) + " heads");
  }
  if (k.dim(0) != q.dim(0) || v.dim(0) != q.dim(0) || k.dim(2) != q.dim(2) ||
      v.dim(1) != k.dim(1)) {
    fail(call,
         "mismatched q " + q.shape().str() + ", k " + k.shape().str() + ", v " + v.shape().str());
  }
  if (k.dim(1) == 0) fail(call, "no keys");
  return Shape{q.dim(0), q.dim(1), v.dim(2)};
}

Shape broadcast_shape(const OpCall& call) {
  const Tensor& a = input(call, 0, "a");
  const Tensor& b = input(call, 1, "b");
  bool ok = b.rank() <= a.rank();
  for (int i = 1; ok && i <= b.rank(); ++i) ok = b.dim(-i) == a.dim(-i);
  if (!ok) {
    fail(call, "b " + b.shape().str() + " is neither a's shape " + a.shape().str() +
                   " nor its trailing dims");
  }
  return a.shape();
}

Shape concat_shape(const OpCall& call) {
  const Tensor& first = input(call, 0, "part 0");
  int axis = call.params.axis;
  if (axis < 0) axis += first.rank();
  if (axis < 0 || axis >= first.rank()) {
    fail(call,
         "axis " + std::to_string(call.params.axis) + " out of range for " + first.shape().str());
  }
  Shape out = first.shape();
  int parts = 1;
  for (std::size_t i = 1; i < call.in.size() && call.in[i] != nullptr; ++i, ++parts) {
    const Tensor& t = input(call, i, "part");
    bool ok = t.rank() == first.rank();
    for (int d = 0; ok && d < t.rank(); ++d) ok = d == axis || t.dim(d) == first.dim(d);
    if (!ok) fail(call, "part " + t.shape().str() + " does not match " + first.shape().str());
    out[axis] += t.dim(axis);
  }
  if (parts < 2) fail(call, "needs 2 to 4 parts");
  return out;
}

Shape upsample_shape(const OpCall& call) {
  const Tensor& x = input(call, 0, "x");
  if (x.rank() != 4) fail(call, "x " + x.shape().str() + " must be NHWC (rank 4)");
  if (call.params.out_h != 0 || call.params.out_w != 0) {
    if (call.params.out_h < 1 || call.params.out_w < 1) fail(call, "output size must be >= 1");
    return Shape{x.dim(0), call.params.out_h, call.params.out_w, x.dim(3)};
  }
  const int f = call.params.factor;
  if (f < 1) fail(call, "factor must be >= 1");
  return Shape{x.dim(0), x.dim(1) * f, x.dim(2) * f, x.dim(3)};
}

const Tensor& nhwc(const OpCall& call) {
  const Tensor& x = input(call, 0, "x");
  if (x.rank() != 4) fail(call, "x " + x.shape().str() + " must be NHWC (rank 4)");
  return x;
}

std::int64_t pool_extent(std::int64_t in, int k, int stride, int pad0, int pad1) {
  return (in + pad0 + pad1 - k) / stride + 1;
}

Shape pool_shape(const OpCall& call) {
  const Tensor& x = nhwc(call);
  const Pool2dSpec& p = call.params.pool;
  if (p.kernel_h < 1 || p.kernel_w < 1 || p.stride_h < 1 || p.stride_w < 1) {
    fail(call, "kernel and stride must be >= 1");
  }
  if (p.pad_top < 0 || p.pad_bottom < 0 || p.pad_left < 0 || p.pad_right < 0 ||
      p.pad_top >= p.kernel_h || p.pad_bottom >= p.kernel_h || p.pad_left >= p.kernel_w ||
      p.pad_right >= p.kernel_w) {
    fail(call, "pads must be >= 0 and smaller than the kernel " + std::to_string(p.kernel_h) + "x" +
                   std::to_string(p.kernel_w));
  }
  if (x.dim(1) + p.pad_top + p.pad_bottom < p.kernel_h ||
      x.dim(2) + p.pad_left + p.pad_right < p.kernel_w) {
    fail(call, "window " + std::to_string(p.kernel_h) + "x" + std::to_string(p.kernel_w) +
                   " larger than padded input " + x.shape().str());
  }
  return Shape{x.dim(0), pool_extent(x.dim(1), p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom),
               pool_extent(x.dim(2), p.kernel_w, p.stride_w, p.pad_left, p.pad_right), x.dim(3)};
}

Shape pad_shape(const OpCall& call) {
  const Tensor& x = input(call, 0, "x");
  require_rank(call, x, "x", 1);
  Shape out = x.shape();
  for (int d = 0; d < Shape::kMaxRank; ++d) {
    const auto& pd = call.params.pads[static_cast<std::size_t>(d)];
    if (pd[0] < 0 || pd[1] < 0) fail(call, "pads must be >= 0 (dim " + std::to_string(d) + ")");
    if (d >= x.rank() && (pd[0] != 0 || pd[1] != 0)) {
      fail(call, "pads given for dim " + std::to_string(d) + " of " + x.shape().str());
    }
    // Bounded so that a hostile model file cannot ask for an absurd allocation by overflow.
    if (d < x.rank()) {
      if (pd[0] > (std::int64_t{1} << 30) || pd[1] > (std::int64_t{1} << 30)) {
        fail(call, "pad along dim " + std::to_string(d) + " is absurdly large");
      }
      out[d] += pd[0] + pd[1];
    }
  }
  return out;
}

Shape depth_to_space_shape(const OpCall& call) {
  const Tensor& x = nhwc(call);
  const std::int64_t r = call.params.factor;
  if (r < 1) fail(call, "block size must be >= 1");
  if (x.dim(3) % (r * r) != 0) {
    fail(call, "channels of " + x.shape().str() + " do not split into " + std::to_string(r) + "x" +
                   std::to_string(r) + " blocks");
  }
  return Shape{x.dim(0), x.dim(1) * r, x.dim(2) * r, x.dim(3) / (r * r)};
}

Shape clip_shape(const OpCall& call) {
  const Tensor& x = input(call, 0, "x");
  // Written so that NaN bounds fail too.
  if (!(call.params.clip_min <= call.params.clip_max)) {
    fail(call, "bounds [" + std::to_string(call.params.clip_min) + ", " +
                   std::to_string(call.params.clip_max) + "] are not ordered");
  }
  return x.shape();
}

Shape mean_hw_shape(const OpCall& call) {
  const Tensor& x = nhwc(call);
  if (x.dim(1) == 0 || x.dim(2) == 0) fail(call, "mean over an empty " + x.shape().str());
  return Shape{x.dim(0), 1, 1, x.dim(3)};
}

}  // namespace

bool is_float_dtype(DType t) { return t == DType::F32 || t == DType::F16 || t == DType::BF16; }

Shape op_output_shape(const OpCall& call) {
  if (call.params.post_act != Activation::None && call.kind != OpKind::Conv2d &&
      call.kind != OpKind::Linear) {
    fail(call, "a post-residual activation is only defined for conv2d and linear");
  }
  switch (call.kind) {
    case OpKind::Conv2d:
      return conv2d_shape(call, weight(call).conv_spec());
    case OpKind::Linear:
      return linear_shape(call);
    case OpKind::GroupNorm:
      return norm_shape(call, true);
    case OpKind::LayerNorm:
      return norm_shape(call, false);
    case OpKind::Softmax:
    case OpKind::Activation:
    case OpKind::ScaleBias:
    case OpKind::Convert:
      return input(call, 0, "x").shape();
    case OpKind::Geglu: {
      const Tensor& x = input(call, 0, "x");
      require_rank(call, x, "x", 1);
      if (x.dim(-1) % 2 != 0) fail(call, "last dim of " + x.shape().str() + " must be even");
      Shape out = x.shape();
      out[-1] /= 2;
      return out;
    }
    case OpKind::UpsampleNearest:
      return upsample_shape(call);
    case OpKind::Attention:
      return attention_shape(call);
    case OpKind::Add:
    case OpKind::Mul:
      return broadcast_shape(call);
    case OpKind::Concat:
      return concat_shape(call);
    case OpKind::MaxPool2d:
    case OpKind::AvgPool2d:
      return pool_shape(call);
    case OpKind::Pad:
      return pad_shape(call);
    case OpKind::DepthToSpace:
      return depth_to_space_shape(call);
    case OpKind::Clip:
      return clip_shape(call);
    case OpKind::MeanHW:
      return mean_hw_shape(call);
  }
  fail(call, "unknown op");
}

}  // namespace pixforge
