#include "attention.h"

#include <cmath>

#include "pixforge/core/ops.h"

namespace pixforge::nn {

CrossAttention::CrossAttention(WeightReader& r, const std::string& p, int heads)
    : heads_(heads),
      q_(r.linear(p + "to_q.", false)),
      k_(r.linear(p + "to_k.", false)),
      v_(r.linear(p + "to_v.", false)),
      out_(r.linear(p + "to_out.0.")) {
  const std::int64_t inner = q_->shape()[0];
  if (inner % heads != 0) {
    throw ModelFormatError(p + "to_q: " + std::to_string(inner) + " channels do not split into " +
                           std::to_string(heads) + " heads");
  }
  scale_ = 1.0f / std::sqrt(static_cast<float>(inner / heads));
}

Tensor CrossAttention::forward(const Tensor& x, const Tensor& context,
                               const Tensor& residual) const {
  const Tensor q = ops::linear(x, *q_);                       // [B,N,H*D]
  const Tensor k = ops::linear(context, *k_);                 // [B,M,H*D]
  const Tensor v = ops::linear(context, *v_);                 // [B,M,H*D]
  const Tensor o = ops::attention(q, k, v, heads_, scale_);   // [B,N,H*D]
  return ops::linear(o, *out_, Activation::None, &residual);  // [B,N,C] + residual
}

TransformerBlock::TransformerBlock(WeightReader& r, const std::string& p, std::int64_t dim,
                                   int heads)
    : norm1_(r, p + "norm1.", dim, 1, 1e-5f),
      norm2_(r, p + "norm2.", dim, 1, 1e-5f),
      norm3_(r, p + "norm3.", dim, 1, 1e-5f),
      attn1_(r, p + "attn1.", heads),
      attn2_(r, p + "attn2.", heads),
      ff_in_(r.linear(p + "ff.net.0.proj.")),
      ff_out_(r.linear(p + "ff.net.2.")) {}

Tensor TransformerBlock::forward(const Tensor& x, const Tensor& context) const {
  Tensor h = norm1_.layer(x);                             // [B,N,C]
  Tensor y = attn1_.forward(h, h, x);                     // [B,N,C] self + x
  h = norm2_.layer(y);                                    // [B,N,C]
  y = attn2_.forward(h, context, y);                      // [B,N,C] cross + y
  h = ops::geglu(ops::linear(norm3_.layer(y), *ff_in_));  // [B,N,4C]
  return ops::linear(h, *ff_out_, Activation::None, &y);  // [B,N,C] ff + y
}

}  // namespace pixforge::nn
