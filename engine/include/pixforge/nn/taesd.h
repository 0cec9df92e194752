// The tiny autoencoders of the TAESD family (madebyollin/taesd: taesd, taesdxl, taef1, taef2):
// plain Conv/ReLU stacks with residual blocks, 8x down/up-sampling, cheap enough to decode a
// preview at every sampling step. Built from the weight files' own keys ("<index>.<...>":
// the nn.Sequential positions), so latent width (4, 16, 32) and the FLUX.2 variant's
// GroupNorm mid-blocks ("<i>.pool.*") are read from the weights.
//
// Images are NHWC RGB in [0, 1] (not [-1, 1] like the KL autoencoder). Latents are whatever
// the family's tiny autoencoder was trained on (for SD1.x: the scaled latents the sampler
// works in); mapping is the caller's.
#pragma once

#include <memory>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/io/tensor_source.h"
#include "pixforge/nn/stage_hook.h"

namespace pixforge::nn {

class TinyLayer;

class TinyEncoder {
 public:
  TinyEncoder(const TensorSource& weights, Backend& backend);
  ~TinyEncoder();
  int latent_channels() const { return latent_channels_; }
  // image [B,H,W,3] in [0,1] (H, W multiples of 8) -> latent [B,H/8,W/8,latent_channels].
  // hook: "<index>" after each layer.
  Tensor encode(const Tensor& image, const StageHook& hook = {}) const;

 private:
  int latent_channels_ = 0;  // declared first: set while layers_ is built
  std::vector<std::unique_ptr<TinyLayer>> layers_;
};

class TinyDecoder {
 public:
  TinyDecoder(const TensorSource& weights, Backend& backend);
  ~TinyDecoder();
  int latent_channels() const { return latent_channels_; }
  // latent [B,h,w,latent_channels] -> image [B,8h,8w,3], about [0,1] (unclamped).
  Tensor decode(const Tensor& latent, const StageHook& hook = {}) const;

 private:
  int latent_channels_ = 0;  // declared first: set while layers_ is built
  std::vector<std::unique_ptr<TinyLayer>> layers_;
};

}  // namespace pixforge::nn
