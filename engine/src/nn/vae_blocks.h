// Building blocks of the KL autoencoder (ldm diffusionmodules/model.py): the residual block
// (GroupNorm(32, eps 1e-6)+SiLU -> conv3x3, twice, plus the input or its 1x1 "nin_shortcut"),
// the single-head spatial self-attention of the mid block, and the resamplers.
#pragma once

#include <memory>
#include <string>

#include "pixforge/nn/weights.h"

namespace pixforge::nn {

class VaeResnetBlock {
 public:
  VaeResnetBlock(WeightReader& r, const std::string& prefix, std::int64_t in_ch);
  std::int64_t out_channels() const { return out_ch_; }
  // [B,H,W,Cin] -> [B,H,W,Cout]. Takes x by value so that, once the caller has moved its
  // reference in, x is freed as soon as the block no longer needs it.
  Tensor forward(Tensor x) const;

 private:
  std::int64_t out_ch_ = 0;
  Norm norm1_, norm2_;
  std::shared_ptr<const PreparedWeight> conv1_, conv2_, shortcut_;
};

// One head over all H*W positions; q/k/v/proj_out are 1x1 convs (or linear in converted files).
class VaeAttnBlock {
 public:
  VaeAttnBlock(WeightReader& r, const std::string& prefix, std::int64_t ch);
  Tensor forward(const Tensor& x) const;  // [B,H,W,C]

 private:
  Norm norm_;
  float scale_ = 1.0f;
  std::shared_ptr<const PreparedWeight> q_, k_, v_, proj_;
};

// mid.block_1 -> mid.attn_1 -> mid.block_2
class VaeMid {
 public:
  VaeMid(WeightReader& r, const std::string& prefix, std::int64_t ch);
  Tensor forward(Tensor x) const;

 private:
  VaeResnetBlock block1_;
  VaeAttnBlock attn_;
  VaeResnetBlock block2_;
};

// A convolution's input, converted now to the compute type when the backend computes in
// bf16. The convolution would convert it anyway, with the same rounding (so results are
// bit-identical); converting here lets the caller free the f32 tensor before the convolution
// allocates its output. At 512² the decoder's f32 maps are 128-256 MB each, and this is what
// keeps two of them from being alive at once. f32 backends get x unchanged.
Tensor conv_input(const Tensor& x);

// The dtype a map read only by convolutions and group norms is stored in: bf16 on a bf16
// backend (the convolution reads bf16 either way, at half the memory), f32 otherwise.
DType conv_map_dtype(const Backend& backend);

// Conv geometry: 3x3 "same"; the encoder's downsampler pads only right and bottom (0,1,0,1)
// then convolves with stride 2 and no padding.
inline constexpr Conv2dSpec kVaeConv3x3{
    .pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
inline constexpr Conv2dSpec kVaeDown{.stride_h = 2, .stride_w = 2, .pad_bottom = 1, .pad_right = 1};

}  // namespace pixforge::nn
