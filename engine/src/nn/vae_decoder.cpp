#include "vae_decoder.h"

#include "pixforge/core/ops.h"

namespace pixforge::nn {

VaeDecoder::VaeDecoder(WeightReader& r, const VaeConfig& c) {
  conv_in_ = r.conv("decoder.conv_in.", kVaeConv3x3);
  std::int64_t ch = conv_in_->shape()[0];
  mid_.emplace(r, "decoder.mid.", ch);
  levels_.resize(c.channel_mult.size());
  for (std::size_t i = c.channel_mult.size(); i-- > 0;) {
    const std::string p = "decoder.up." + std::to_string(i) + ".";
    for (int b = 0; b <= c.num_res_blocks; ++b) {
      levels_[i].blocks.emplace_back(r, p + "block." + std::to_string(b) + ".", ch);
      ch = levels_[i].blocks.back().out_channels();
    }
    if (i != 0) levels_[i].upsample = r.conv(p + "upsample.conv.", kVaeConv3x3);
  }
  norm_out_ = Norm(r, "decoder.norm_out.", ch, 32, 1e-6f);
  conv_out_ = r.conv("decoder.conv_out.", kVaeConv3x3);
}

Tensor VaeDecoder::forward(const Tensor& z, const StageHook& hook) const {
  Backend& backend = z.backend();
  Tensor h = mid_->forward(ops::conv2d(z, *conv_in_));  // [B,h,w,C]
  if (hook) hook("decoder.mid", h);
  for (std::size_t i = levels_.size(); i-- > 0;) {
    for (const VaeResnetBlock& b : levels_[i].blocks) h = b.forward(std::move(h));  // [B,h',w',C_i]
    // Every level works at a new resolution: the pooled buffers of this one fit nothing that
    // follows, so give them back rather than hold them beside the larger maps.
    backend.release_pooled();
    if (levels_[i].upsample) {
      // Upsampled in the compute dtype (nearest copies values, so converting before or after
      // is the same) and convolved into a map of that dtype: at most two maps of the new
      // resolution, each half-size on a bf16 backend, are alive at once. The next block reads
      // the output only through a group norm and a bf16 convolution (or as a residual,
      // rounded like every bf16 map).
      Tensor small = conv_input(h);  // [B,h',w',C_i]
      h = Tensor();
      backend.release_pooled();
      const Tensor up = ops::upsample_nearest(small, 2, small.dtype());  // [B,2h',2w',C_i]
      small = Tensor();
      backend.release_pooled();
      h = ops::conv2d(up, *levels_[i].upsample, Activation::None, nullptr, Activation::None,
                      conv_map_dtype(backend));
    }
    if (hook) hook("decoder.up." + std::to_string(i), h);
  }
  h = ops::group_norm(h, norm_out_.groups, norm_out_.gamma, norm_out_.beta, norm_out_.eps,
                      Activation::Silu, conv_map_dtype(backend));
  return ops::conv2d(h, *conv_out_);  // [B,H,W,3]
}

}  // namespace pixforge::nn
