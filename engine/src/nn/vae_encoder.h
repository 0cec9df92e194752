// KL autoencoder encoder: conv_in, per level num_res_blocks resnet blocks and (except the last
// level) a stride-2 downsampler, the mid block, GroupNorm+SiLU, conv_out to 2z moments.
#pragma once

#include <optional>
#include <vector>

#include "pixforge/nn/stage_hook.h"
#include "pixforge/nn/vae.h"
#include "vae_blocks.h"

namespace pixforge::nn {

class VaeEncoder {
 public:
  VaeEncoder(WeightReader& r, const VaeConfig& c);                   // prefix "encoder."
  Tensor forward(const Tensor& image, const StageHook& hook) const;  // -> [B,h,w,2z]

 private:
  struct Level {
    std::vector<VaeResnetBlock> blocks;
    std::shared_ptr<const PreparedWeight> downsample;
  };
  std::shared_ptr<const PreparedWeight> conv_in_, conv_out_;
  std::vector<Level> levels_;
  std::optional<VaeMid> mid_;
  Norm norm_out_;
};

}  // namespace pixforge::nn
