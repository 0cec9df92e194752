// The Stable Diffusion 1.x / 2.x denoising UNet (ldm openaimodel UNetModel), built from a
// TensorSource holding its weights under the canonical LDM names (`model.diffusion_model.`
// stripped: "input_blocks.0.0.weight", ...). The configuration is derived from the weight
// shapes; only the head layout is not visible in the weights and follows the model family
// (SD1: 8 heads; SD2: 64 channels per head), chosen from the context width unless given.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/io/checkpoint.h"
#include "pixforge/io/tensor_source.h"
#include "pixforge/nn/stage_hook.h"

namespace pixforge::nn {

struct UNetConfig {
  int in_channels = 4;  // 9 for inpainting checkpoints
  int out_channels = 4;
  int model_channels = 320;
  int num_res_blocks = 2;
  std::vector<int> channel_mult{1, 2, 4, 4};
  std::vector<int> attention_levels{0, 1, 2};  // levels (0 = full latent size) with transformers
  int context_dim = 768;
  bool linear_projection = false;  // SD2: proj_in/proj_out are linear layers
  int num_heads = 8;               // > 0: fixed head count (SD1)
  int head_dim = -1;               // > 0 (num_heads <= 0): channels per head (SD2: 64)
  int transformer_depth = 1;
};

// Reads the structure off the weight shapes (throws ModelFormatError naming what is missing,
// UnsupportedModelError for SDXL-class UNets).
UNetConfig derive_unet_config(const TensorSource& weights);
// From the model-file layer's config (Checkpoint::info().unet).
UNetConfig unet_config_from(const UnetConfig& io_config);

class UNet {
 public:
  // Prepares every weight once on `backend`. Throws ModelFormatError on a missing, misshapen
  // or unexpected tensor.
  UNet(const TensorSource& weights, Backend& backend);
  UNet(const TensorSource& weights, Backend& backend, const UNetConfig& config);
  ~UNet();
  UNet(const UNet&) = delete;
  UNet& operator=(const UNet&) = delete;

  const UNetConfig& config() const;

  // x [B,H,W,in_channels] (H, W multiples of 2^(levels-1)); timesteps: B values (one per
  // sample); context [B,M,context_dim]. Returns [B,H,W,out_channels] (ε or v, as trained).
  // `hook` sees "input_blocks.<i>", "middle_block", "output_blocks.<i>".
  Tensor forward(const Tensor& x, const std::vector<float>& timesteps, const Tensor& context,
                 const StageHook& hook = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The sinusoidal timestep embedding as ldm computes it: [cos(t·f_i), sin(t·f_i)] with
// f_i = 10000^(-i/half), i < half = dim/2 (cos half first, no frequency shift). Host values,
// row-major [timesteps.size(), dim].
std::vector<float> timestep_embedding(const std::vector<float>& timesteps, int dim);

}  // namespace pixforge::nn
