// Model family and UNet hyper-parameters from tensor names and shapes, the way ComfyUI's
// comfy/model_detection.py reads them: the cross-attention width tells SD1 (768) from SD2
// (1024); SDXL has a label_emb / conditioner.embedders; SD3 and Flux have their own blocks.
#include <cmath>
#include <string>
#include <vector>

#include "pixforge/io/checkpoint.h"

namespace pixforge {

namespace {

bool ends_with(std::string_view s, std::string_view e) {
  return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

bool any_name_contains(const TensorSource& src, std::string_view part) {
  for (const TensorInfo& t : src.tensors()) {
    if (t.name.find(part) != std::string::npos) return true;
  }
  return false;
}

int dim(const TensorInfo* t, int i) {
  return (t && t->shape.rank() > i) ? static_cast<int>(t->shape[i]) : 0;
}

std::string block(const char* kind, int n) {
  return std::string(kind) + "." + std::to_string(n) + ".";
}

int transformer_depth(const TensorSource& unet, const std::string& attn_prefix) {
  int depth = 0;
  while (depth < 64 &&
         unet.find(attn_prefix + "transformer_blocks." + std::to_string(depth) + ".norm1.weight")) {
    ++depth;
  }
  return depth;
}

}  // namespace

std::string_view family_name(ModelFamily f) {
  switch (f) {
    case ModelFamily::SD1:
      return "SD1";
    case ModelFamily::SD2:
      return "SD2";
    case ModelFamily::SDXL:
      return "SDXL";
    case ModelFamily::SD3:
      return "SD3";
    case ModelFamily::Flux:
      return "Flux";
    case ModelFamily::Unknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view prediction_name(Prediction p) { return p == Prediction::V ? "v" : "epsilon"; }

ModelFamily detect_family(const TensorSource& raw, const TensorSource* unet) {
  if (any_name_contains(raw, "double_blocks.0.img_attn.") ||
      any_name_contains(raw, "single_transformer_blocks.0.")) {
    return ModelFamily::Flux;
  }
  if (any_name_contains(raw, "joint_blocks.0.context_block.") ||
      (any_name_contains(raw, "transformer_blocks.0.attn.add_q_proj.") &&
       any_name_contains(raw, "pos_embed"))) {
    return ModelFamily::SD3;
  }
  if (any_name_contains(raw, "conditioner.embedders.") ||
      (unet && unet->find("label_emb.0.0.weight"))) {
    return ModelFamily::SDXL;
  }
  if (!unet) return ModelFamily::Unknown;
  for (const TensorInfo& t : unet->tensors()) {
    if (ends_with(t.name, "attn2.to_k.weight") && t.shape.rank() == 2) {
      if (t.shape[1] == 768) return ModelFamily::SD1;
      if (t.shape[1] == 1024) return ModelFamily::SD2;
      if (t.shape[1] == 2048 || t.shape[1] == 1280) return ModelFamily::SDXL;
      return ModelFamily::Unknown;
    }
  }
  return ModelFamily::Unknown;
}

std::optional<UnetConfig> derive_unet_config(const TensorSource& unet, ModelFamily family) {
  const TensorInfo* conv_in = unet.find("input_blocks.0.0.weight");
  if (!conv_in || conv_in->shape.rank() != 4 || conv_in->shape[0] <= 0) return std::nullopt;
  UnetConfig c;
  c.model_channels = dim(conv_in, 0);
  c.in_channels = dim(conv_in, 1);
  c.out_channels = dim(unet.find("out.2.weight"), 0);
  c.adm_in_channels = dim(unet.find("label_emb.0.0.weight"), 1);
  // Walk input_blocks: resnets accumulate into the current level, a downsampler ends it.
  int level_mult = 0, level_res = 0, level_depth = 0;
  for (int n = 1; n < 256; ++n) {
    if (unet.find(block("input_blocks", n) + "0.op.weight")) {
      c.channel_mult.push_back(level_mult);
      c.transformer_depth.push_back(level_depth);
      if (c.num_res_blocks == 0) c.num_res_blocks = level_res;
      level_mult = level_res = level_depth = 0;
      continue;
    }
    const TensorInfo* conv = unet.find(block("input_blocks", n) + "0.in_layers.2.weight");
    if (!conv) break;
    level_mult = dim(conv, 0) / c.model_channels;
    ++level_res;
    level_depth = std::max(level_depth, transformer_depth(unet, block("input_blocks", n) + "1."));
    if (const TensorInfo* p = unet.find(block("input_blocks", n) + "1.proj_in.weight")) {
      c.linear_proj = p->shape.rank() == 2;
    }
  }
  if (level_res > 0) {
    c.channel_mult.push_back(level_mult);
    c.transformer_depth.push_back(level_depth);
    if (c.num_res_blocks == 0) c.num_res_blocks = level_res;
  }
  for (const TensorInfo& t : unet.tensors()) {
    if (ends_with(t.name, "attn2.to_k.weight") && t.shape.rank() == 2) {
      c.context_dim = static_cast<int>(t.shape[1]);
      break;
    }
  }
  // Head layout is not visible in shapes; it is part of each family's definition.
  if (family == ModelFamily::SD1) c.num_heads = 8;
  if (family == ModelFamily::SD2 || family == ModelFamily::SDXL) c.head_dim = 64;
  return c;
}

Prediction sd2_prediction_from_weights(const TensorSource& unet, int in_channels) {
  if (in_channels != 4) return Prediction::Epsilon;  // SD2 inpainting models are epsilon
  const TensorInfo* t = unet.find("output_blocks.11.1.transformer_blocks.0.norm1.bias");
  if (!t || !t->data || t->shape.numel() == 0) return Prediction::Epsilon;
  if (t->dtype != DType::F32 && t->dtype != DType::F16 && t->dtype != DType::BF16)
    return Prediction::Epsilon;
  std::vector<float> v(static_cast<std::size_t>(t->shape.numel()));
  convert_to_f32(t->dtype, t->data, v.data(), v.size());
  double mean = 0, sq = 0;
  for (float x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (float x : v) sq += (x - mean) * (x - mean);
  const double std_pop = std::sqrt(sq / static_cast<double>(v.size()));  // unbiased=False
  return std_pop > 0.09 ? Prediction::V : Prediction::Epsilon;
}

}  // namespace pixforge
