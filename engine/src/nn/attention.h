// The transformer pieces of the UNet (ldm attention.py): multi-head attention with separate
// q/k/v projections (self-attention when context is x), and BasicTransformerBlock:
// LayerNorm -> self-attention, LayerNorm -> cross-attention on the text context,
// LayerNorm -> GEGLU feed-forward, each added back to the residual stream.
#pragma once

#include <memory>
#include <string>

#include "pixforge/nn/weights.h"

namespace pixforge::nn {

class CrossAttention {
 public:
  // prefix "...attn1." with to_q, to_k, to_v (no bias) and to_out.0.
  CrossAttention(WeightReader& r, const std::string& prefix, int heads);
  // x [B,N,C]; context [B,M,Cc] (x itself for self-attention); residual [B,N,C] added in-op.
  Tensor forward(const Tensor& x, const Tensor& context, const Tensor& residual) const;

 private:
  int heads_ = 1;
  float scale_ = 1.0f;
  std::shared_ptr<const PreparedWeight> q_, k_, v_, out_;
};

class TransformerBlock {
 public:
  TransformerBlock(WeightReader& r, const std::string& prefix, std::int64_t dim, int heads);
  Tensor forward(const Tensor& x, const Tensor& context) const;  // x [B,N,dim]

 private:
  Tensor feed_forward(const Tensor& y) const;  // y + GEGLU FF(norm3(y)), [B,N,dim]

  Norm norm1_, norm2_, norm3_;
  CrossAttention attn1_, attn2_;
  std::shared_ptr<const PreparedWeight> ff_in_, ff_out_;
};

}  // namespace pixforge::nn
