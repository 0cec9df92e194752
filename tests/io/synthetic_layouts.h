// Test helper: the tensor names and shapes of real Stable Diffusion layouts (LDM names), built
// from the architecture definitions, without data (TensorInfo::data stays null). Used for name
// conversion and family/config detection tests.
#pragma once

#include <string>
#include <vector>

#include "pixforge/io/tensor_source.h"

namespace pixforge::testing {

struct UnetSpec {
  int in_channels = 4;
  int model_channels = 320;
  std::vector<int> channel_mult = {1, 2, 4, 4};
  std::vector<int> depth = {1, 1, 1, 0};  // transformer blocks per level (0 = no attention)
  int num_res_blocks = 2;
  int context_dim = 768;
  bool linear_proj = false;
  int adm_in_channels = 0;  // SDXL label_emb
};

UnetSpec sd15_unet();
UnetSpec sd21_unet();
UnetSpec sdxl_unet();

// LDM UNet names (without "model.diffusion_model.") and shapes.
std::vector<TensorInfo> ldm_unet(const UnetSpec& spec);
// LDM VAE (KL-f8) names without "first_stage_model.".
std::vector<TensorInfo> ldm_vae();
// HF CLIPTextModel names (SD1), `layers` encoder layers of width `width`.
std::vector<TensorInfo> hf_clip(int layers, int width);
// OpenCLIP text tower names (SD2, without "cond_stage_model.model.").
std::vector<TensorInfo> openclip_text(int layers, int width);

// Prefixes every name.
std::vector<TensorInfo> prefixed(const std::string& prefix, std::vector<TensorInfo> tensors);
std::vector<std::string> names_of(const std::vector<TensorInfo>& tensors);

}  // namespace pixforge::testing
