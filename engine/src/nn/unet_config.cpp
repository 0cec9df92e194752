// The UNet structure comes from the model-file layer's reading of the weight shapes
// (io/checkpoint.h derive_unet_config, also what Checkpoint::info() reports), converted here to
// what the network builder needs; one derivation, not two.
#include <string>

#include "pixforge/io/checkpoint.h"
#include "pixforge/nn/unet.h"

namespace pixforge::nn {

UNetConfig unet_config_from(const UnetConfig& io) {
  if (io.adm_in_channels != 0) {
    throw UnsupportedModelError("UNet with a label embedding (SDXL class) is not supported yet");
  }
  UNetConfig c;
  c.in_channels = io.in_channels;
  c.out_channels = io.out_channels;
  c.model_channels = io.model_channels;
  c.num_res_blocks = io.num_res_blocks;
  c.channel_mult = io.channel_mult;
  c.context_dim = io.context_dim;
  c.linear_projection = io.linear_proj;
  c.num_heads = io.num_heads;
  c.head_dim = io.head_dim;
  c.attention_levels.clear();
  c.transformer_depth = 0;
  for (std::size_t level = 0; level < io.transformer_depth.size(); ++level) {
    const int depth = io.transformer_depth[level];
    if (depth == 0) continue;
    if (c.transformer_depth != 0 && depth != c.transformer_depth) {
      throw UnsupportedModelError("UNet with different transformer depths per level (" +
                                  std::to_string(c.transformer_depth) + ", " +
                                  std::to_string(depth) + ") is not supported yet");
    }
    c.transformer_depth = depth;
    c.attention_levels.push_back(static_cast<int>(level));
  }
  if (c.model_channels <= 0 || c.num_res_blocks <= 0 || c.channel_mult.empty() ||
      c.context_dim <= 0 || c.out_channels <= 0) {
    throw ModelFormatError("UNet structure could not be read from the weights (model channels " +
                           std::to_string(c.model_channels) + ", res blocks " +
                           std::to_string(c.num_res_blocks) + ", context " +
                           std::to_string(c.context_dim) + ")");
  }
  if (c.num_heads <= 0 && c.head_dim <= 0) {
    throw ModelFormatError("UNet head layout unknown (neither a head count nor a head width)");
  }
  return c;
}

UNetConfig derive_unet_config(const TensorSource& weights) {
  // The head layout is the one thing shapes do not show: SD1 (CLIP ViT-L context, 768 wide)
  // uses 8 heads, SD2 (OpenCLIP ViT-H, 1024) 64 channels per head, as the released configs do.
  const TensorInfo* to_k = weights.find("middle_block.1.transformer_blocks.0.attn2.to_k.weight");
  if (to_k == nullptr || to_k->shape.rank() != 2) {
    throw ModelFormatError("UNet weights" +
                           (weights.origin().empty() ? "" : " in " + weights.origin()) +
                           " lack middle_block.1.transformer_blocks.0.attn2.to_k.weight");
  }
  const ModelFamily family = to_k->shape[1] == 768 ? ModelFamily::SD1 : ModelFamily::SD2;
  const std::optional<UnetConfig> io = pixforge::derive_unet_config(weights, family);
  if (!io) throw ModelFormatError("UNet weights lack input_blocks.0.0.weight (input conv)");
  return unet_config_from(*io);
}

}  // namespace pixforge::nn
