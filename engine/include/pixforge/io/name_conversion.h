// Tensor-name conversion between the layouts a checkpoint can come in and the CANONICAL names
// the network code reads:
//   UNet          original LDM names ("input_blocks.1.0.in_layers.2.weight")
//   VAE           original LDM names ("decoder.mid.attn_1.q.weight", 1x1-conv attention)
//   text encoder  Hugging Face CLIPTextModel names ("text_model.encoder.layers.0.mlp.fc1.weight")
// Conversions build views: renamed, reshaped or row-sliced TensorInfos over the same bytes.
// Names a table does not know are kept unchanged, so a network's require() names anything
// missing instead of the conversion guessing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pixforge/io/tensor_table.h"

namespace pixforge {

// diffusers UNet2DConditionModel -> LDM UNetModel. The block arithmetic (layers per block,
// which up blocks have attention) is read from the names themselves.
std::unique_ptr<TensorTable> diffusers_unet_to_ldm(std::shared_ptr<const TensorSource> unet);
// The name table alone (both directions), for tests and tools. `names` is the whole key set.
std::vector<std::string> diffusers_unet_names_to_ldm(const std::vector<std::string>& names);
std::vector<std::string> ldm_unet_names_to_diffusers(const std::vector<std::string>& names);

// diffusers AutoencoderKL -> LDM AutoencoderKL (attention Linear [C,C] -> conv [C,C,1,1]).
std::unique_ptr<TensorTable> diffusers_vae_to_ldm(std::shared_ptr<const TensorSource> vae);

// OpenCLIP text tower (SD2 single files, prefix "cond_stage_model.model." already stripped)
// -> Hugging Face CLIPTextModel names. The fused in_proj [3C, C] becomes q/k/v row slices;
// text_projection [C, P] (used as x @ P) is transposed into the HF Linear layout [P, C].
std::unique_ptr<TensorTable> openclip_to_hf_clip(std::shared_ptr<const TensorSource> clip);

// A view of the tensors whose names start with `prefix`, with the prefix removed; when
// `insert` is non-empty it is put in front of every resulting name that does not already
// start with it (old SD1 files lack the "text_model." level).
std::unique_ptr<TensorTable> strip_prefix(std::shared_ptr<const TensorSource> src,
                                          const std::string& prefix,
                                          const std::string& insert = "");

}  // namespace pixforge
