// The backend seam: the one interface between the engine's networks and the hardware.
//
// A backend owns memory (buffers, pooled so steady-state steps never allocate), converts
// weights once into its preferred layout and compute type, and executes ops. Everything above
// this header (networks, samplers, pipelines) goes through ops.h, which builds OpCalls and
// dispatches them here, so a new backend (CUDA) is one new implementation of this class.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "pixforge/core/tensor.h"

namespace pixforge {

// Every op the engine can ask of a backend. A new op: add it here, give it a naive reference
// implementation (ReferenceBackend), a fast CPU one, and a cross-check case in tests/ops.
enum class OpKind {
  Conv2d,           // in: x NHWC [N,H,W,Cin]; weight: prepared conv; optional residual (in[1])
  Linear,           // in: x [..., in]; weight: prepared linear; optional residual (in[1])
  GroupNorm,        // in: x NHWC, gamma [C], beta [C]
  LayerNorm,        // in: x [..., C], gamma [C], beta [C]
  Softmax,          // in: x, over the last dim
  Activation,       // in: x, elementwise params.act
  Geglu,            // in: x [..., 2n] -> [..., n] = x[..., :n] * gelu(x[..., n:])
  UpsampleNearest,  // in: x NHWC -> [N, H*f, W*f, C]
  Attention,        // in: q [B,Nq,H*D], k [B,Nk,H*D], v [B,Nk,H*Dv] -> [B,Nq,H*Dv]
  Add,              // in: a, b (b same shape as a, or equal to a's trailing dims: broadcast)
  Mul,              // in: a, b (same broadcasting as Add)
  ScaleBias,        // in: x -> x * params.scale + params.bias
  Concat,           // in: up to 4 tensors, joined along params.axis
  Convert,          // in: x -> output dtype (f32/f16/bf16), same shape
  MaxPool2d,        // in: x NHWC -> windows' maxima (params.pool; padding never wins)
  AvgPool2d,        // in: x NHWC -> windows' means over their in-image elements (params.pool)
  Pad,              // in: x (any rank) -> x surrounded by params.pad_value (params.pads)
  DepthToSpace,     // in: x NHWC [N,H,W,r*r*C] -> [N,H*r,W*r,C], TF's DCR order (params.factor = r)
  Clip,             // in: x -> min(max(x, params.clip_min), params.clip_max), elementwise
  MeanHW,           // in: x NHWC -> [N,1,1,C], the mean over H and W
};
// The last OpKind, for code that walks all of them (tests).
inline constexpr OpKind kLastOpKind = OpKind::MeanHW;
std::string_view op_name(OpKind kind);

// Relu6 = min(max(x, 0), 6) (MobileNet's activation; fusable into conv/linear like the rest).
enum class Activation { None, Relu, Silu, Gelu, GeluTanh, QuickGelu, Sigmoid, Tanh, Relu6 };

// Convolution geometry; pads are per side (asymmetric pads, as in the VAE's downsampler).
struct Conv2dSpec {
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int dilation_h = 1, dilation_w = 1;
  int groups = 1;
};

// Pooling window geometry (MaxPool2d/AvgPool2d); pads are per side and each smaller than the
// kernel along its axis, so every window holds at least one input element. ops::pool2d_spec
// builds one from TF's SAME/VALID names.
struct Pool2dSpec {
  int kernel_h = 2, kernel_w = 2;
  int stride_h = 2, stride_w = 2;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
};

// A weight converted once, at load time, into the backend's layout and compute type.
class PreparedWeight {
 public:
  virtual ~PreparedWeight() = default;
  virtual Backend& backend() const = 0;
  // Logical shape: conv [Cout, Cin/groups, kh, kw]; linear [out, in].
  virtual const Shape& shape() const = 0;
  virtual bool has_bias() const = 0;
  // Conv geometry the weight was prepared with (conv weights carry it, so OpCall needs no spec);
  // linear weights return the default.
  virtual Conv2dSpec conv_spec() const { return {}; }
};

// What to prepare: host tensors as read from a model file (any float dtype).
struct WeightDesc {
  enum class Use { Conv2d, Linear } use = Use::Linear;
  const Tensor* weight = nullptr;  // conv: [Cout, Cin/groups, kh, kw] (PyTorch); linear: [out, in]
  const Tensor* bias = nullptr;    // [Cout] / [out], optional
  Conv2dSpec conv;                 // conv only
};

struct OpParams {
  Activation act =
      Activation::None;  // Conv2d/Linear/GroupNorm: applied after the op, before residual
  int groups = 1;        // GroupNorm
  float eps = 1e-5f;     // GroupNorm, LayerNorm
  int factor = 2;        // UpsampleNearest; DepthToSpace block size
  int heads = 1;         // Attention
  float scale = 1.0f;    // Attention (softmax scale), ScaleBias
  float bias = 0.0f;     // ScaleBias
  bool causal = false;   // Attention: query i sees keys <= i
  int axis = -1;         // Concat
  Pool2dSpec pool;       // MaxPool2d, AvgPool2d
  // Pad: elements added {before, after} along each dim (dims past the input's rank stay 0).
  std::array<std::array<std::int64_t, 2>, Shape::kMaxRank> pads{};
  float pad_value = 0.0f;  // Pad
  float clip_min = 0.0f;   // Clip
  float clip_max = 6.0f;   // Clip
  // UpsampleNearest to an explicit [out_h, out_w] when both are > 0 (factor is then unused).
  std::int64_t out_h = 0, out_w = 0;
  // Conv2d/Linear: a second activation applied after the residual is added, for blocks that
  // end in relu(conv(x) + x) (BlazeFace, ResNets). Must be None for every other op.
  Activation post_act = Activation::None;
};

struct OpCall {
  OpKind kind = OpKind::Add;
  std::array<const Tensor*, 4> in{};  // unused slots are nullptr
  const PreparedWeight* weight = nullptr;
  OpParams params;
  Tensor* out = nullptr;  // allocated by the caller with the right shape and dtype
};

struct MemoryStats {
  std::size_t bytes_in_use = 0;  // held by live tensors and prepared weights
  std::size_t bytes_pooled = 0;  // cached for reuse
  std::size_t peak_bytes = 0;
  std::size_t allocations = 0;  // fresh allocations from the system (not pool hits)
};

class UnsupportedOp : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The output shape of a well-formed call, computed from its inputs and params (and, for
// Conv2d/Linear, the prepared weight's logical shape). Throws std::invalid_argument naming the
// op and the offending shapes when the call is malformed (wrong rank, mismatched channels,
// bad groups, non-float dtype, ...). ops.cpp uses it to allocate OpCall::out; every backend's
// supports_op() calls it too, so all agree on what a well-formed call is.
Shape op_output_shape(const OpCall& call);

// True for the element types ops compute on (F32, F16, BF16).
bool is_float_dtype(DType t);

class Backend {
 public:
  virtual ~Backend() = default;

  // "cpu", "reference", "cuda".
  virtual std::string_view name() const = 0;
  // True when buffer memory is directly addressable by the host CPU.
  virtual bool is_host() const = 0;
  // Type used inside conv/linear/attention (F32 for exactness, BF16 or F16 for speed).
  virtual DType compute_type() const = 0;

  // A buffer of at least `bytes`, from the pool when one is free.
  virtual std::shared_ptr<Buffer> allocate(std::size_t bytes) = 0;
  // Host <-> backend copies of raw bytes into/out of a tensor's memory.
  virtual void write(const Tensor& dst, const void* src, std::size_t bytes) = 0;
  virtual void read(const Tensor& src, void* dst, std::size_t bytes) const = 0;

  // Whether compute() can run this call (shapes, dtypes, params). Never throws.
  virtual bool supports_op(const OpCall& call) const = 0;
  // Runs the op; throws UnsupportedOp when supports_op() is false.
  virtual void compute(const OpCall& call) = 0;
  // Converts a weight once into the backend's layout (e.g. oneDNN blocked bf16).
  virtual std::shared_ptr<const PreparedWeight> prepare_weight(const WeightDesc& desc) = 0;

  // Waits for queued work (asynchronous backends). (optional)
  virtual void synchronize() {}
  // Returns pooled (currently unused) buffers to the system, e.g. between jobs of different
  // sizes; live tensors are untouched. (optional)
  virtual void release_pooled() {}
  virtual MemoryStats memory_stats() const = 0;
};

}  // namespace pixforge
