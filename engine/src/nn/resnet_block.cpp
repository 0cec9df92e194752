#include "resnet_block.h"

#include <vector>

#include "pixforge/core/ops.h"

namespace pixforge::nn {

namespace {
constexpr Conv2dSpec kConv3x3{.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
}

ResBlock::ResBlock(WeightReader& r, const std::string& p, std::int64_t in_ch, std::int64_t emb_ch) {
  out_ch_ = r.shape(p + "in_layers.2.weight")[0];
  in_norm_ = Norm(r, p + "in_layers.0.", in_ch, 32, 1e-5f);
  in_conv_ = r.conv(p + "in_layers.2.", kConv3x3);
  emb_proj_ = r.linear(p + "emb_layers.1.");
  out_norm_ = Norm(r, p + "out_layers.0.", out_ch_, 32, 1e-5f);
  out_conv_ = r.conv(p + "out_layers.3.", kConv3x3);
  if (in_conv_->shape()[1] != in_ch || emb_proj_->shape() != Shape{out_ch_, emb_ch}) {
    throw ModelFormatError(p + ": in_layers/emb_layers shapes do not fit " + std::to_string(in_ch) +
                           " input channels");
  }
  if (in_ch != out_ch_ || r.has(p + "skip_connection.weight")) {
    skip_ = r.linear(p + "skip_connection.");
  }
}

Tensor add_per_sample(const Tensor& h, const Tensor& e) {
  const std::int64_t batch = h.dim(0);
  if (batch == 1) return ops::add(h, e.reshape(Shape{e.dim(1)}));
  std::vector<Tensor> parts;
  for (std::int64_t b = 0; b < batch; ++b) {
    parts.push_back(ops::add(h.slice0(b, b + 1), e.slice0(b, b + 1).reshape(Shape{e.dim(1)})));
  }
  // concat takes at most 4 parts: join in rounds.
  while (parts.size() > 1) {
    std::vector<Tensor> next;
    for (std::size_t i = 0; i < parts.size(); i += 4) {
      const std::size_t n = std::min<std::size_t>(4, parts.size() - i);
      if (n == 1) {
        next.push_back(parts[i]);
      } else {
        next.push_back(ops::concat({parts.begin() + i, parts.begin() + i + n}, 0));
      }
    }
    parts = std::move(next);
  }
  return parts[0];
}

Tensor ResBlock::forward(const Tensor& x, const Tensor& emb_silu) const {
  Tensor h = in_norm_.group(x, Activation::Silu);              // [B,H,W,Cin]
  h = ops::conv2d(h, *in_conv_);                               // [B,H,W,C]
  h = add_per_sample(h, ops::linear(emb_silu, *emb_proj_));    // [B,H,W,C] + [B,C]
  h = out_norm_.group(h, Activation::Silu);                    // [B,H,W,C]
  const Tensor skip = skip_ ? ops::linear(x, *skip_) : x;      // [B,H,W,C]
  return ops::conv2d(h, *out_conv_, Activation::None, &skip);  // [B,H,W,C], skip added in-op
}

}  // namespace pixforge::nn
