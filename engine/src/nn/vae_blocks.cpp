#include "vae_blocks.h"

#include <cmath>

#include "pixforge/core/ops.h"

namespace pixforge::nn {

VaeResnetBlock::VaeResnetBlock(WeightReader& r, const std::string& p, std::int64_t in_ch) {
  out_ch_ = r.shape(p + "conv1.weight")[0];
  norm1_ = Norm(r, p + "norm1.", in_ch, 32, 1e-6f);
  conv1_ = r.conv(p + "conv1.", kVaeConv3x3);
  norm2_ = Norm(r, p + "norm2.", out_ch_, 32, 1e-6f);
  conv2_ = r.conv(p + "conv2.", kVaeConv3x3);
  if (conv1_->shape()[1] != in_ch) {
    throw ModelFormatError(p + "conv1.weight " + conv1_->shape().str() + " does not take " +
                           std::to_string(in_ch) + " channels");
  }
  if (in_ch != out_ch_ || r.has(p + "nin_shortcut.weight")) {
    shortcut_ = r.linear(p + "nin_shortcut.");
  }
}

Tensor conv_input(const Tensor& x) {
  if (x.dtype() == DType::F32 && x.backend().compute_type() == DType::BF16) {
    return ops::convert(x, DType::BF16);
  }
  return x;
}

DType conv_map_dtype(const Backend& backend) {
  return backend.compute_type() == DType::BF16 ? DType::BF16 : DType::F32;
}

namespace {

// GroupNorm+SiLU written straight in the dtype the next convolution reads: no f32 copy of the
// map is made beside x (bit-identical to normalising in f32 and converting).
Tensor norm_silu(const Norm& n, const Tensor& x) {
  return ops::group_norm(x, n.groups, n.gamma, n.beta, n.eps, Activation::Silu,
                         conv_map_dtype(x.backend()));
}

}  // namespace

Tensor VaeResnetBlock::forward(Tensor x) const {
  // Each intermediate is dropped (reassigned) right after its last use. conv1's output feeds
  // only norm2, so on a bf16 backend it is stored in bf16 (norm2 reads it as it is): the
  // block's peak is x, one normalised map and one half-size conv1 output.
  // Before conv2 allocates its f32 output the pool is emptied: it then holds only the dead
  // half-size maps, which that output does not fit (at 512²: 64 MB beside the 320 MB live).
  Backend& backend = x.backend();
  const DType map = conv_map_dtype(backend);
  Tensor h = norm_silu(norm1_, x);  // [B,H,W,Cin]
  if (!shortcut_) {
    const Tensor skip = std::move(x);
    h = ops::conv2d(h, *conv1_, Activation::None, nullptr, Activation::None, map);  // [B,H,W,Cout]
    h = norm_silu(norm2_, h);                                                       // [B,H,W,Cout]
    backend.release_pooled();
    return ops::conv2d(h, *conv2_, Activation::None, &skip);
  }
  // A block that changes the width frees maps of the input width that no later request fits
  // (at 512²: 128-256 MB each); giving them back as they die keeps them out of the peak. conv1
  // runs before the shortcut so that its input is gone before the shortcut's output exists.
  // In the decoder x arrives from an upsampling convolution already in bf16, so the shortcut
  // reads it without a copy.
  backend.release_pooled();
  h = ops::conv2d(h, *conv1_, Activation::None, nullptr, Activation::None, map);  // [B,H,W,Cout]
  backend.release_pooled();
  const Tensor skip = ops::linear(conv_input(x), *shortcut_);  // [B,H,W,Cout]
  x = Tensor();
  backend.release_pooled();
  h = norm_silu(norm2_, h);  // [B,H,W,Cout]
  backend.release_pooled();
  return ops::conv2d(h, *conv2_, Activation::None, &skip);  // [B,H,W,Cout] + skip
}

VaeAttnBlock::VaeAttnBlock(WeightReader& r, const std::string& p, std::int64_t ch)
    : norm_(r, p + "norm.", ch, 32, 1e-6f),
      scale_(1.0f / std::sqrt(static_cast<float>(ch))),
      q_(r.linear(p + "q.")),
      k_(r.linear(p + "k.")),
      v_(r.linear(p + "v.")),
      proj_(r.linear(p + "proj_out.")) {}

Tensor VaeAttnBlock::forward(const Tensor& x) const {
  const Shape s = x.shape();                                                     // [B,H,W,C]
  const Tensor tokens = norm_.group(x).reshape(Shape{s[0], s[1] * s[2], s[3]});  // [B,N,C]
  const Tensor q = ops::linear(tokens, *q_);                                     // [B,N,C]
  const Tensor k = ops::linear(tokens, *k_);                                     // [B,N,C]
  const Tensor v = ops::linear(tokens, *v_);                                     // [B,N,C]
  const Tensor o = ops::attention(q, k, v, 1, scale_);                           // [B,N,C]
  const Tensor res = x.reshape(tokens.shape());                                  // [B,N,C]
  return ops::linear(o, *proj_, Activation::None, &res).reshape(s);              // [B,H,W,C]
}

VaeMid::VaeMid(WeightReader& r, const std::string& p, std::int64_t ch)
    : block1_(r, p + "block_1.", ch), attn_(r, p + "attn_1.", ch), block2_(r, p + "block_2.", ch) {}

Tensor VaeMid::forward(Tensor x) const {
  return block2_.forward(attn_.forward(block1_.forward(std::move(x))));  // [B,H,W,C]
}

}  // namespace pixforge::nn
