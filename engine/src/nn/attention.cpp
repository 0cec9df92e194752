#include "attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

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
  Tensor h = norm1_.layer(x);          // [B,N,C]
  Tensor y = attn1_.forward(h, h, x);  // [B,N,C] self + x
  h = norm2_.layer(y);                 // [B,N,C]
  y = attn2_.forward(h, context, y);   // [B,N,C] cross + y
  return feed_forward(y);              // [B,N,C] ff + y
}

namespace {

// The feed-forward's 8C-wide projection and 4C-wide GEGLU output are the largest maps of a
// UNet step (at 512², batch 2, first level: 84 + 42 MB). It runs over up to kFfChunks row
// chunks of at least kFfMinChunkRows rows, so one chunk's maps are alive at a time; every row
// goes through the same ops as unchunked, only fewer rows per call (chunks of 32+ rows keep
// the matmuls efficient; concat joins at most 4 parts).
constexpr std::int64_t kFfChunks = 4;
constexpr std::int64_t kFfMinChunkRows = 32;

}  // namespace

Tensor TransformerBlock::feed_forward(const Tensor& y) const {
  const Tensor h = norm3_.layer(y);  // [B,N,C]
  const std::int64_t c = y.dim(-1), rows = y.numel() / c;
  const std::int64_t chunks = std::min(kFfChunks, rows / kFfMinChunkRows);
  if (chunks < 2) {
    return ops::linear(ops::geglu(ops::linear(h, *ff_in_)), *ff_out_, Activation::None, &y);
  }
  const Tensor hr = h.reshape(Shape{rows, c}), yr = y.reshape(Shape{rows, c});
  const std::int64_t step = (rows + chunks - 1) / chunks;
  std::vector<Tensor> parts;
  for (std::int64_t r = 0; r < rows; r += step) {
    const std::int64_t end = std::min(rows, r + step);
    const Tensor res = yr.slice0(r, end);
    const Tensor g = ops::geglu(ops::linear(hr.slice0(r, end), *ff_in_));  // [rows',4C]
    parts.push_back(ops::linear(g, *ff_out_, Activation::None, &res));     // [rows',C]
  }
  return ops::concat(parts, 0).reshape(y.shape());
}

}  // namespace pixforge::nn
