#include "pixforge/pipeline/model.h"

#include <algorithm>
#include <filesystem>

#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/io/resident_pages.h"
#include "pixforge/nn/taesd.h"
#include "pixforge/nn/unet.h"
#include "pixforge/nn/vae.h"
#include "pixforge/text/clip_text_encoder.h"
#include "pixforge/text/clip_tokenizer.h"
#include "pixforge/text/text_conditioner.h"

namespace pixforge::pipeline {

Model::~Model() = default;

void Model::load_text(Model& m, const Checkpoint& checkpoint, const std::string& vocab_path) {
  // Vocabulary: the caller's, else the diffusers folder's tokenizer/, else the data directory.
  std::string vocab = vocab_path;
  if (vocab.empty()) vocab = m.info_.tokenizer_dir;
  if (vocab.empty()) vocab = text::default_vocabulary_path();
  m.tokenizer_ = std::make_unique<text::ClipTokenizer>(text::ClipTokenizer::load(vocab));
  const bool sd2 = m.info_.family == ModelFamily::SD2;
  m.text_encoder_ = std::make_unique<text::ClipTextEncoder>(
      *m.backend_, checkpoint.text_encoder(),
      sd2 ? text::ClipTextOptions::sd2() : text::ClipTextOptions::sd1());
  m.text_ = std::make_unique<text::TextConditioner>(
      *m.tokenizer_, *m.text_encoder_,
      sd2 ? text::TextConditionerOptions::sd2() : text::TextConditionerOptions::sd1());
}

void Model::load_preview(Model& m, const std::string& path) {
  const std::unique_ptr<TensorSource> source = open_tensor_source(path);
  m.preview_ = std::make_unique<nn::TinyDecoder>(*source, *m.backend_);
  if (m.preview_->latent_channels() != 4) {
    throw ModelFormatError("'" + path + "' is not an SD1/SD2 TAESD decoder (latent channels " +
                           std::to_string(m.preview_->latent_channels()) + ", expected 4)");
  }
}

std::shared_ptr<const Model> Model::load(const std::string& path, const ModelOptions& options) {
  std::shared_ptr<Model> m(new Model());
  m->path_ = path;
  m->options_ = options;
  CpuBackendOptions backend_options;
  backend_options.compute_type = options.compute == ComputeType::F32 ? DType::F32 : DType::BF16;
  backend_options.threads = options.threads;
  m->backend_ = make_cpu_backend(backend_options);
  {
    // The checkpoint (its file mappings) lives only while the networks are prepared from it:
    // afterwards nothing reads it, and keeping it would keep the file's pages in memory.
    // Pages are also dropped network by network, so the load's peak stays near the prepared
    // weights (the UNet's reader drops each tensor's pages as it prepares it).
    const Checkpoint checkpoint = Checkpoint::open_for_generation(path, options.prediction);
    m->info_ = checkpoint.info();
    m->unet_ = std::make_unique<nn::UNet>(checkpoint.unet(), *m->backend_);
    release_resident_pages(checkpoint.unet());
    m->vae_ = std::make_unique<nn::Vae>(checkpoint.vae(), *m->backend_);
    release_resident_pages(checkpoint.vae());
    if (!m->vae_->config().has_encoder) {
      // img2img needs it; refusing here is clearer than failing halfway through a request.
      throw ModelFormatError("'" + path + "': the VAE has no encoder");
    }
    load_text(*m, checkpoint, options.vocab_path);
  }
  if (!options.preview_decoder_path.empty()) load_preview(*m, options.preview_decoder_path);
  // Hashed now (about a second per 2 GB, the file is in the page cache after the load), not
  // when the first image is labelled: a loaded Model never touches its files again, so a
  // checkpoint deleted or replaced after loading cannot fail or mislabel a generation.
  const std::filesystem::path p(path);
  if (std::filesystem::is_directory(p)) {
    m->label_.name = p.filename().string();
  } else {
    m->label_.name = p.stem().string();
    m->label_.hash = a1111_short_hash(path);
  }
  return m;
}

std::shared_ptr<const Model> ModelCache::load(const std::string& path,
                                              const ModelOptions& options) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = models_.begin(); it != models_.end(); ++it) {
    if ((*it)->path() == path && (*it)->options() == options) {
      auto model = *it;
      models_.erase(it);
      models_.insert(models_.begin(), model);
      return model;
    }
  }
  // Drop the least recently used first: two SD models at once may not fit in memory.
  while (!models_.empty() && models_.size() >= capacity_) models_.pop_back();
  auto model = Model::load(path, options);
  if (capacity_ > 0) models_.insert(models_.begin(), model);
  return model;
}

void ModelCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  models_.clear();
}

}  // namespace pixforge::pipeline
