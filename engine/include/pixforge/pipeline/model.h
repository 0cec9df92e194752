// A loaded Stable Diffusion model: checkpoint -> tokenizer, text encoder, UNet, VAE and an
// optional TAESD preview decoder, every weight prepared once on one backend (compute type and
// thread count fixed at load). The model files are closed (unmapped) once the networks are
// prepared: a loaded Model never reads them again. Immutable after load, so one Model serves
// any number of generations; ModelCache keeps recently used ones.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/io/checkpoint.h"
#include "pixforge/pipeline/generation_params.h"
#include "pixforge/pipeline/infotext.h"

namespace pixforge::text {
class ClipTokenizer;
class ClipTextEncoder;
class TextConditioner;
}  // namespace pixforge::text
namespace pixforge::nn {
class UNet;
class Vae;
class TinyDecoder;
}  // namespace pixforge::nn

namespace pixforge::pipeline {

struct ModelOptions {
  ComputeType compute = ComputeType::BF16;
  int threads = 0;                       // 0: all cores
  std::optional<Prediction> prediction;  // overrides detection
  std::string vocab_path;  // CLIP vocabulary; empty: the checkpoint's tokenizer/ folder, then
                           // the data directory (text::default_vocabulary_path)
  std::string preview_decoder_path;  // TAESD decoder weights for previews; empty: latent->RGB
  bool operator==(const ModelOptions&) const = default;
};

class Model {
 public:
  // Opens the checkpoint (Checkpoint::open_for_generation: clear errors for unsupported
  // families), loads the vocabulary and prepares every network. Throws ModelFormatError,
  // UnsupportedModelError, text::VocabularyError.
  static std::shared_ptr<const Model> load(const std::string& path, const ModelOptions& options);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelInfo& info() const { return info_; }
  const ModelOptions& options() const { return options_; }
  const std::string& path() const { return path_; }
  // Name (file stem) and A1111 short hash (first 10 hex digits of the file's SHA-256, computed
  // at load; empty for diffusers folders).
  ModelLabel label() const { return label_; }

  Backend& backend() const { return *backend_; }
  const nn::UNet& unet() const { return *unet_; }
  const nn::Vae& vae() const { return *vae_; }
  // Prompt -> cross-attention context, with ComfyUI's weighting and chunking.
  const text::TextConditioner& text() const { return *text_; }
  const text::ClipTextEncoder& text_encoder() const { return *text_encoder_; }
  const nn::TinyDecoder* preview_decoder() const { return preview_.get(); }
  float latent_scale() const { return 0.18215f; }  // SD1.x/SD2.x VAE scaling factor

 private:
  Model() = default;
  static void load_text(Model& m, const Checkpoint& checkpoint, const std::string& vocab_path);
  static void load_preview(Model& m, const std::string& path);
  std::string path_;
  ModelOptions options_;
  ModelInfo info_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<nn::UNet> unet_;
  std::unique_ptr<nn::Vae> vae_;
  std::unique_ptr<text::ClipTokenizer> tokenizer_;
  std::unique_ptr<text::ClipTextEncoder> text_encoder_;
  std::unique_ptr<text::TextConditioner> text_;
  std::unique_ptr<nn::TinyDecoder> preview_;
  ModelLabel label_;
};

// Keeps up to `capacity` loaded models, most recently used first; load() returns a cached one
// when path and options match. Thread-safe.
class ModelCache {
 public:
  explicit ModelCache(std::size_t capacity = 1) : capacity_(capacity) {}
  std::shared_ptr<const Model> load(const std::string& path, const ModelOptions& options);
  void clear();

 private:
  std::size_t capacity_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<const Model>> models_;
};

// The A1111 short hash of a file: the first 10 hex digits of its SHA-256.
std::string a1111_short_hash(const std::string& file);

}  // namespace pixforge::pipeline
