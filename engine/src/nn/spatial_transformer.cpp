#include "spatial_transformer.h"

#include "pixforge/core/ops.h"

namespace pixforge::nn {

SpatialTransformer::SpatialTransformer(WeightReader& r, const std::string& p, std::int64_t channels,
                                       int heads, int head_dim)
    : norm_(r, p + "norm.", channels, 32, 1e-6f),
      proj_in_(r.linear(p + "proj_in.")),
      proj_out_(r.linear(p + "proj_out.")) {
  const std::int64_t inner = proj_in_->shape()[0];
  if (proj_in_->shape()[1] != channels || proj_out_->shape() != Shape{channels, inner}) {
    throw ModelFormatError(p + "proj_in/proj_out: shapes do not fit " + std::to_string(channels) +
                           " channels");
  }
  if (heads <= 0) {
    if (head_dim <= 0 || inner % head_dim != 0) {
      throw ModelFormatError(p + ": " + std::to_string(inner) +
                             " channels are not a multiple of head_dim " +
                             std::to_string(head_dim));
    }
    heads = static_cast<int>(inner / head_dim);
  }
  for (int i = 0; r.has(p + "transformer_blocks." + std::to_string(i) + ".norm1.weight"); ++i) {
    blocks_.emplace_back(r, p + "transformer_blocks." + std::to_string(i) + ".", inner, heads);
  }
  if (blocks_.empty()) throw ModelFormatError(p + ": no transformer_blocks.0");
}

Tensor SpatialTransformer::forward(const Tensor& x, const Tensor& context) const {
  const Shape s = x.shape();                                             // [B,H,W,C]
  Tensor h = ops::linear(norm_.group(x), *proj_in_);                     // [B,H,W,inner]
  h = h.reshape(Shape{s[0], s[1] * s[2], h.dim(3)});                     // [B,HW,inner]
  for (const TransformerBlock& b : blocks_) h = b.forward(h, context);   // [B,HW,inner]
  const Tensor res = x.reshape(Shape{s[0], s[1] * s[2], s[3]});          // [B,HW,C]
  return ops::linear(h, *proj_out_, Activation::None, &res).reshape(s);  // [B,H,W,C]
}

}  // namespace pixforge::nn
