#include "vae_encoder.h"

#include "pixforge/core/ops.h"

namespace pixforge::nn {

VaeEncoder::VaeEncoder(WeightReader& r, const VaeConfig& c) {
  conv_in_ = r.conv("encoder.conv_in.", kVaeConv3x3);
  std::int64_t ch = c.base_channels;
  for (std::size_t i = 0; i < c.channel_mult.size(); ++i) {
    const std::string p = "encoder.down." + std::to_string(i) + ".";
    Level level;
    for (int b = 0; b < c.num_res_blocks; ++b) {
      level.blocks.emplace_back(r, p + "block." + std::to_string(b) + ".", ch);
      ch = level.blocks.back().out_channels();
    }
    if (i + 1 != c.channel_mult.size()) level.downsample = r.conv(p + "downsample.conv.", kVaeDown);
    levels_.push_back(std::move(level));
  }
  mid_.emplace(r, "encoder.mid.", ch);
  norm_out_ = Norm(r, "encoder.norm_out.", ch, 32, 1e-6f);
  conv_out_ = r.conv("encoder.conv_out.", kVaeConv3x3);
}

Tensor VaeEncoder::forward(const Tensor& image, const StageHook& hook) const {
  Backend& backend = image.backend();
  Tensor h = ops::conv2d(image, *conv_in_);  // [B,H,W,ch]
  for (std::size_t i = 0; i < levels_.size(); ++i) {
    for (const VaeResnetBlock& b : levels_[i].blocks) h = b.forward(std::move(h));  // [B,H',W',C_i]
    if (levels_[i].downsample) {
      const Tensor in = conv_input(h);
      h = Tensor();
      h = ops::conv2d(in, *levels_[i].downsample);  // [B,H'/2,W'/2,C_i]
    }
    if (hook) hook("encoder.down." + std::to_string(i), h);
    backend.release_pooled();  // as in the decoder: the next level's sizes differ
  }
  h = mid_->forward(std::move(h));  // [B,h,w,C]
  if (hook) hook("encoder.mid", h);
  return ops::conv2d(conv_input(norm_out_.group(h, Activation::Silu)), *conv_out_);  // [B,h,w,2z]
}

}  // namespace pixforge::nn
