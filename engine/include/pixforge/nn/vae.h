// The KL-f8 autoencoder of Stable Diffusion 1.x/2.x (ldm AutoencoderKL), built from a
// TensorSource with the canonical LDM names (`first_stage_model.` stripped: "encoder.conv_in.
// weight", "decoder.up.3.block.0.conv1.weight", "quant_conv.weight", ...). Structure (channels,
// levels, blocks, latent channels) is read from the weight shapes.
//
// Images are NHWC in [-1, 1]; latents are the raw autoencoder latents: the model's scaling
// factor (0.18215 for SD1/SD2) is applied by the pipeline, not here.
#pragma once

#include <memory>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/io/tensor_source.h"
#include "pixforge/nn/stage_hook.h"

namespace pixforge::nn {

struct VaeConfig {
  int base_channels = 128;
  std::vector<int> channel_mult{1, 2, 4, 4};
  int num_res_blocks = 2;
  int latent_channels = 4;
  int image_channels = 3;
  bool has_encoder = true;  // decoder-only files (e.g. a bare decoder) are accepted
  int downscale() const { return 1 << (channel_mult.size() - 1); }
};

VaeConfig derive_vae_config(const TensorSource& weights);

class Vae {
 public:
  Vae(const TensorSource& weights, Backend& backend);
  ~Vae();
  Vae(const Vae&) = delete;
  Vae& operator=(const Vae&) = delete;

  const VaeConfig& config() const;

  // image [B,H,W,3] (H, W multiples of 8) -> moments [B,H/8,W/8,2z]: mean then log-variance.
  Tensor encode_moments(const Tensor& image, const StageHook& hook = {}) const;
  // The posterior mean: what ComfyUI's VAE encode returns (its regulariser takes the mode;
  // nothing is sampled). [B,H/8,W/8,z].
  Tensor encode(const Tensor& image, const StageHook& hook = {}) const;
  // latent [B,h,w,z] -> image [B,8h,8w,3] (unclamped; about [-1, 1]).
  // hook stages: "encoder.down.<i>", "encoder.mid", "decoder.mid", "decoder.up.<i>".
  Tensor decode(const Tensor& latent, const StageHook& hook = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pixforge::nn
