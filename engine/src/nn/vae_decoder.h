// KL autoencoder decoder: conv_in, mid block, levels from the deepest up (num_res_blocks + 1
// resnet blocks each, then nearest x2 + conv3x3 except at level 0), GroupNorm+SiLU, conv_out.
#pragma once

#include <optional>
#include <vector>

#include "pixforge/nn/stage_hook.h"
#include "pixforge/nn/vae.h"
#include "vae_blocks.h"

namespace pixforge::nn {

class VaeDecoder {
 public:
  VaeDecoder(WeightReader& r, const VaeConfig& c);               // prefix "decoder."
  Tensor forward(const Tensor& z, const StageHook& hook) const;  // [B,h,w,z] -> [B,8h,8w,3]

 private:
  struct Level {
    std::vector<VaeResnetBlock> blocks;
    std::shared_ptr<const PreparedWeight> upsample;
  };
  std::shared_ptr<const PreparedWeight> conv_in_, conv_out_;
  std::optional<VaeMid> mid_;
  std::vector<Level> levels_;  // index = level (0 = full resolution), run from the back
  Norm norm_out_;
};

}  // namespace pixforge::nn
