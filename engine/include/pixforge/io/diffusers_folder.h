// diffusers layouts: a pipeline folder (model_index.json, unet/, vae/, text_encoder/,
// tokenizer/, scheduler/) whose component folders each hold one model's weights as
// `diffusion_pytorch_model[.fp16].safetensors`, `model[.fp16].safetensors`, a sharded
// `*.safetensors.index[.fp16].json`, or the PyTorch `.bin` equivalents.
#pragma once

#include <memory>
#include <string>

#include "pixforge/io/tensor_table.h"

namespace pixforge {

// Opens the weights of one component folder (e.g. "<pipeline>/unet"). safetensors is
// preferred over .bin, then full-precision files over ".fp16" variants, single files over shards.
// Shard file names from an index are confined to the folder (no paths, no "..").
std::unique_ptr<TensorTable> open_diffusers_component(const std::string& dir);

// True when `dir` is a diffusers pipeline folder (has model_index.json or a unet/ folder).
bool is_diffusers_pipeline(const std::string& dir);

}  // namespace pixforge
