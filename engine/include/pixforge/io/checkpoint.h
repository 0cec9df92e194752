// A Stable Diffusion checkpoint: a single file (.safetensors / .ckpt with the original LDM key
// names) or a diffusers pipeline folder, exposed as three TensorSources with CANONICAL names
// (see name_conversion.h) and a description of what the model is.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pixforge/io/tensor_table.h"

namespace pixforge {

// The model family is known but the engine cannot generate with it yet.
class UnsupportedModelError : public ModelFormatError {
 public:
  using ModelFormatError::ModelFormatError;
};

enum class ModelFamily { SD1, SD2, SDXL, SD3, Flux, Unknown };
enum class Prediction { Epsilon, V };

std::string_view family_name(ModelFamily f);     // "SD1", "SD2", "SDXL", "SD3", "Flux", "unknown"
std::string_view prediction_name(Prediction p);  // "epsilon", "v"

// UNet hyper-parameters read off the weight shapes (LDM names).
struct UnetConfig {
  int in_channels = 0;  // 4, or 9 for inpainting models
  int out_channels = 0;
  int model_channels = 0;
  int context_dim = 0;            // cross-attention width: 768 SD1, 1024 SD2, 2048 SDXL
  int num_heads = -1;             // fixed head count (SD1: 8), or -1
  int head_dim = -1;              // fixed head width (SD2/SDXL: 64), or -1
  bool linear_proj = false;       // proj_in/proj_out Linear (SD2, SDXL) rather than 1x1 conv (SD1)
  std::vector<int> channel_mult;  // per resolution level
  int num_res_blocks = 0;         // resnets per down level
  std::vector<int> transformer_depth;  // per level, 0 = no attention at that level
  int adm_in_channels = 0;             // SDXL's label_emb input, 0 when absent
};

struct ModelInfo {
  std::string origin;
  std::string format;  // "safetensors", "pytorch-zip", "diffusers"
  ModelFamily family = ModelFamily::Unknown;
  Prediction prediction = Prediction::Epsilon;
  // How the prediction was decided: "family default", "norm1.bias std heuristic",
  // "scheduler_config.json", "v_pred key", "caller override".
  std::string prediction_source;
  // SD-Turbo / SDXL-Turbo (few steps, cfg 1; epsilon unless a scheduler config says otherwise).
  // Recognised only from metadata, model_index.json or the file/folder name: a turbo UNet's
  // weights look like any SD2.1 UNet, so an unrecognised one is handled as SD2.x, with the
  // prediction type from the weight heuristic (override it if that guess is wrong).
  bool turbo = false;
  std::string turbo_source;   // where that was read ("model_index.json", "metadata", "file name")
  std::vector<DType> dtypes;  // of every tensor in the file(s), sorted, unique
  std::size_t tensor_count = 0;
  std::uint64_t total_bytes = 0;
  bool has_unet = false, has_vae = false, has_text_encoder = false;
  std::optional<UnetConfig> unet;
  std::string tokenizer_dir;  // diffusers "tokenizer/" folder, when there is one
  bool supported = false;     // the engine can generate with it (SD1/SD2 with a UNet)
};

class Checkpoint {
 public:
  // Opens for inspection: any family is described; components are built only for SD1/SD2.
  static Checkpoint open(const std::string& path);
  // Opens for generation: like open(), then throws UnsupportedModelError for anything but an
  // SD1.x/SD2.x model with UNet, VAE and text encoder. `prediction` overrides detection.
  static Checkpoint open_for_generation(const std::string& path,
                                        std::optional<Prediction> prediction = std::nullopt);

  // From an already opened single file (tests build shape-only tables). `file_name` feeds the
  // SD-Turbo name hint.
  static Checkpoint from_single_file(std::shared_ptr<const TensorTable> file, std::string format,
                                     const std::string& file_name = "");

  const ModelInfo& info() const { return info_; }
  void set_prediction(Prediction p);  // the caller's override always wins

  // Canonical-name views; throw UnsupportedModelError for unsupported families and
  // ModelFormatError when the component is absent.
  const TensorSource& unet() const;
  const TensorSource& vae() const;
  const TensorSource& text_encoder() const;

  // Throws UnsupportedModelError unless info().supported and all three components exist.
  void require_generation_support() const;

 private:
  const TensorSource& component(const std::shared_ptr<const TensorSource>& c,
                                const char* what) const;
  static Checkpoint from_diffusers(const std::string& dir);

  ModelInfo info_;
  std::shared_ptr<const TensorSource> unet_, vae_, text_encoder_;
};

// Detection pieces, usable on any table (tests feed synthetic shape-only key sets).
// `raw` is the whole file (original names); `unet` the UNet with LDM names, or null.
ModelFamily detect_family(const TensorSource& raw, const TensorSource* unet);
// Returns nullopt when the UNet lacks the tensors the config is read from.
std::optional<UnetConfig> derive_unet_config(const TensorSource& unet, ModelFamily family);
// ComfyUI's SD2 rule: a 4-channel UNet whose output_blocks.11.1.transformer_blocks.0.norm1.bias
// has population std > 0.09 is v-prediction; otherwise (or without that tensor's data) epsilon.
Prediction sd2_prediction_from_weights(const TensorSource& unet, int in_channels);

}  // namespace pixforge
