// CLIP text transformer (SD 1.x: OpenAI ViT-L/14; SD 2.x: OpenCLIP ViT-H/14) on pixforge::ops,
// reading Hugging Face CLIPTextModel names ("text_model.…") from any TensorSource; the
// reference is tools/reference/text_clip.py.
//   x = token_embedding[ids] + position_embedding[:N]          (gathered on the host: a lookup)
//   per layer: x += out_proj(attn(ln1(x)))  (causal: token i sees tokens <= i, head dim 64)
//              x += fc2(act(fc1(ln2(x))))     (act: quick_gelu for OpenAI, gelu for OpenCLIP)
//   output = final_layer_norm(hidden state after the chosen layer)
// Weights are prepared once in the backend's compute type, whatever their file dtype. ComfyUI
// keeps text-encoder weights f16 and computes in f32: give this encoder an F32 backend to match
// it (a BF16 backend is faster and drifts by about 1% of the activations' scale, see
// tests/text/clip_text_encoder_test.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/io/tensor_source.h"

namespace pixforge::text {

struct ClipTextConfig {
  int layers = 0;
  std::int64_t width = 0, heads = 0, intermediate = 0;
  std::int64_t vocab = 0, positions = 0;
  Activation activation = Activation::QuickGelu;
};

// From the weights' shapes (layers, width, MLP size, vocabulary, positions); heads = width / 64
// (every CLIP text tower uses head dim 64); activation quick_gelu for width 768 (OpenAI
// ViT-L/14), gelu otherwise (OpenCLIP ViT-H/14, bigG). Throws ModelFormatError naming a
// missing or inconsistent tensor.
ClipTextConfig infer_clip_text_config(const TensorSource& weights);

struct ClipTextOptions {
  // Which hidden state, as ComfyUI's layer_idx: -1 the last layer, -2 the penultimate
  // ("clip skip 2", SD 2.x's default), 0..layers-1 the output of that layer.
  int layer = -1;
  // Apply final_layer_norm to the chosen hidden state (ComfyUI does, for the last layer and
  // for intermediate ones alike).
  bool final_layer_norm = true;
  static ClipTextOptions sd1() { return {}; }
  static ClipTextOptions sd2() { return {-2, true}; }
};

class ClipTextEncoder {
 public:
  // Prepares every weight once; `weights` may be released afterwards. Throws ModelFormatError
  // for missing, misshapen or unexpected tensors under "text_model.", std::invalid_argument for
  // a layer option out of range.
  ClipTextEncoder(Backend& backend, const TensorSource& weights, ClipTextOptions options = {});
  ~ClipTextEncoder();
  ClipTextEncoder(ClipTextEncoder&&) noexcept;
  ClipTextEncoder& operator=(ClipTextEncoder&&) noexcept;

  const ClipTextConfig& config() const;
  const ClipTextOptions& options() const;
  Backend& backend() const;

  // ids: B rows of equal length N <= positions (77) -> [B, N, width] f32 on the backend.
  // Throws std::invalid_argument for ragged rows, N out of range or an id outside the vocabulary.
  Tensor encode(const std::vector<std::vector<std::int32_t>>& ids) const;

  // Layers evaluated (and prepared: later ones are only checked at load) for the chosen output.
  int prepared_layers() const;

  // For golden tests and debugging: the embeddings and the outputs of the first `layers`
  // (<= prepared_layers()) layers (layers + 1 tensors, [B, N, width], no final norm), and
  // final_layer_norm itself.
  std::vector<Tensor> hidden_states(const std::vector<std::vector<std::int32_t>>& ids,
                                    int layers) const;
  Tensor final_norm(const Tensor& hidden) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pixforge::text
