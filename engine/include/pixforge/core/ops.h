// The ops networks are written in. Each function allocates its output on the inputs' backend,
// builds an OpCall and dispatches it through the backend seam (backend.h). Networks never touch
// tensor memory directly, so they run unchanged on any backend.
//
// Conventions: feature maps NHWC; token sequences [B, N, C]; PyTorch weight layouts as read
// from model files (conversion happens in prepare_*). Outputs are F32 unless stated.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "pixforge/core/backend.h"

namespace pixforge::ops {

// Weight preparation (once, at load). `weight`/`bias` are host tensors in any float dtype.
std::shared_ptr<const PreparedWeight> prepare_conv2d(Backend& backend, const Tensor& weight_oihw,
                                                     const Tensor* bias, const Conv2dSpec& spec);
std::shared_ptr<const PreparedWeight> prepare_linear(Backend& backend, const Tensor& weight_out_in,
                                                     const Tensor* bias);

// y = act(conv(x, w) + bias) [+ residual]. x NHWC; residual has the output's shape.
Tensor conv2d(const Tensor& x, const PreparedWeight& w, Activation act = Activation::None,
              const Tensor* residual = nullptr);
// y = act(x · wᵀ + bias) [+ residual]. x [..., in] -> [..., out].
Tensor linear(const Tensor& x, const PreparedWeight& w, Activation act = Activation::None,
              const Tensor* residual = nullptr);
// The same with `post_act` applied after the residual sum: post_act(act(conv(x, w) + bias) +
// residual), one fused call (BlazeFace's relu(x + block(x))).
Tensor conv2d(const Tensor& x, const PreparedWeight& w, Activation act, const Tensor* residual,
              Activation post_act);
Tensor linear(const Tensor& x, const PreparedWeight& w, Activation act, const Tensor* residual,
              Activation post_act);
// conv2d written in `out` (F32, F16 or BF16) instead of f32: a bf16 network's map at half the
// memory, for maps read next only by bf16 convolutions and by group_norm (which reads any
// float dtype). The accumulation stays f32; only the stored result is rounded.
Tensor conv2d(const Tensor& x, const PreparedWeight& w, Activation act, const Tensor* residual,
              Activation post_act, DType out);

// Normalisations; the optional activation is fused (GroupNorm + SiLU in every resnet block).
Tensor group_norm(const Tensor& x, int groups, const Tensor& gamma, const Tensor& beta, float eps,
                  Activation act = Activation::None);
// The same, written in `out` (F32, F16 or BF16; statistics stay f32): a bf16 network's norm
// output goes straight to a bf16 convolution, with no f32 copy of the map alive beside x.
Tensor group_norm(const Tensor& x, int groups, const Tensor& gamma, const Tensor& beta, float eps,
                  Activation act, DType out);
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps);

Tensor softmax(const Tensor& x);  // over the last dim
Tensor activation(const Tensor& x, Activation act);
Tensor geglu(const Tensor& x);  // [..., 2n] -> x[..., :n] * gelu(x[..., n:])
Tensor upsample_nearest(const Tensor& x, int factor);
// The same, written in `out`: F32, or x's own dtype (a bf16 map stays bf16, at half the memory).
Tensor upsample_nearest(const Tensor& x, int factor, DType out);
// To [N, out_h, out_w, C] as torch's F.interpolate(size=..., mode="nearest"): source index
// min(floor(dst * float(in / out)), in - 1), i.e. 2x nearest when out = 2·in, and 2x nearest
// keeping the first 2·in − 1 rows/cols when out = 2·in − 1 (ComfyUI's UNet Upsample to a skip's
// odd size).
Tensor upsample_nearest(const Tensor& x, std::int64_t out_h, std::int64_t out_w);

// softmax(q kᵀ · scale) v per head, computed in tiles (memory linear in sequence length).
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, int heads, float scale,
                 bool causal = false);

Tensor add(const Tensor& a, const Tensor& b);  // b: a's shape, or a's trailing dims (broadcast)
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale_bias(const Tensor& x, float scale, float bias = 0.0f);
Tensor concat(const std::vector<Tensor>& parts, int axis);  // 2..4 parts
Tensor convert(const Tensor& x, DType dtype);

// Vision ops (TF.js models). TF's window padding names: VALID uses no padding; SAME pads so
// that the output is ceil(in / stride), the odd pixel going to the bottom/right.
enum class Padding { Valid, Same };
// The pooling geometry TF uses for a [h, w] input. Throws std::invalid_argument on kernels or
// strides < 1, or a VALID window larger than the input.
Pool2dSpec pool2d_spec(std::int64_t h, std::int64_t w, int kernel_h, int kernel_w, int stride_h,
                       int stride_w, Padding padding);
// x NHWC. Max: padding never wins. Avg: the mean over the in-image elements of each window
// (TF's count-excluding-padding average).
Tensor max_pool2d(const Tensor& x, const Pool2dSpec& spec);
Tensor avg_pool2d(const Tensor& x, const Pool2dSpec& spec);
// Constant padding: pads[d] = {before, after} elements along dim d, one pair per dim of x.
Tensor pad(const Tensor& x, const std::vector<std::array<std::int64_t, 2>>& pads,
           float value = 0.0f);
// x NHWC [N,H,W,r*r*C] -> [N,H*r,W*r,C]: out[n, h*r+i, w*r+j, c] = x[n, h, w, (i*r+j)*C + c]
// (TF DepthToSpace, NHWC, DCR order; also Keras PixelShuffle).
Tensor depth_to_space(const Tensor& x, int block);
Tensor clip(const Tensor& x, float lo, float hi);  // min(max(x, lo), hi); lo <= hi
Tensor mean_hw(const Tensor& x);                   // x NHWC -> [N,1,1,C], mean over H and W

}  // namespace pixforge::ops
