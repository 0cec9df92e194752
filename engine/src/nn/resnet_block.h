// The UNet's residual block (ldm openaimodel ResBlock): GroupNorm32+SiLU -> conv3x3, plus the
// projected timestep embedding, GroupNorm32+SiLU -> conv3x3, plus the skip (identity, or 1x1
// when the channel count changes). Keys: in_layers.{0,2}, emb_layers.1, out_layers.{0,3},
// skip_connection.
#pragma once

#include <memory>
#include <string>

#include "pixforge/nn/weights.h"

namespace pixforge::nn {

class ResBlock {
 public:
  ResBlock(WeightReader& r, const std::string& prefix, std::int64_t in_ch, std::int64_t emb_ch);
  std::int64_t out_channels() const { return out_ch_; }
  // x [B,H,W,Cin]; emb_silu [B, emb_ch] = SiLU(time embedding), shared by every block.
  Tensor forward(const Tensor& x, const Tensor& emb_silu) const;

 private:
  std::int64_t out_ch_ = 0;
  Norm in_norm_, out_norm_;
  std::shared_ptr<const PreparedWeight> in_conv_, emb_proj_, out_conv_, skip_;
};

// h [B,H,W,C] + e [B,C] broadcast over H and W (per sample: ops broadcast trailing dims only).
Tensor add_per_sample(const Tensor& h, const Tensor& e);

}  // namespace pixforge::nn
