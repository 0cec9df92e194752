#include "pixforge/io/checkpoint.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "pixforge/io/diffusers_folder.h"
#include "pixforge/io/name_conversion.h"
#include "pixforge/io/zip_reader.h"

namespace pixforge {

namespace fs = std::filesystem;

namespace {

bool contains_turbo(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s.find("turbo") != std::string::npos;
}

void add_stats(const TensorSource& src, ModelInfo* info, std::set<DType>* dtypes) {
  for (const TensorInfo& t : src.tensors()) {
    dtypes->insert(t.dtype);
    info->total_bytes += t.nbytes;
  }
  info->tensor_count += src.tensors().size();
}

std::shared_ptr<const TensorSource> non_empty(std::unique_ptr<TensorTable> t) {
  if (!t || t->tensors().empty()) return nullptr;
  return std::shared_ptr<const TensorSource>(std::move(t));
}

// Small JSON config files of a diffusers folder; absent -> null json.
nlohmann::json read_config(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return nullptr;
  if (fs::file_size(p, ec) > (1u << 20))
    throw ModelFormatError(p.string() + ": config file too large");
  std::ifstream f(p, std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    throw ModelFormatError(p.string() + ": not a JSON object");
  return j;
}

std::string json_string(const nlohmann::json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return "";
}

std::string sniff_format(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::uint8_t head[4] = {};
  f.read(reinterpret_cast<char*>(head), 4);
  return looks_like_zip({head, 4}) ? "pytorch-zip" : "safetensors";
}

// The single-file text encoder: HF CLIP names already (SD1), or OpenCLIP (SD2).
std::shared_ptr<const TensorSource> single_file_text_encoder(
    std::shared_ptr<const TensorTable> file) {
  if (auto te = non_empty(strip_prefix(file, "cond_stage_model.transformer.", "text_model.")))
    return te;
  if (auto oc = non_empty(strip_prefix(file, "cond_stage_model.model."))) {
    return openclip_to_hf_clip(std::move(oc));
  }
  return nullptr;
}

void decide_unet_facts(const TensorSource* raw, ModelInfo* info, const TensorSource* unet) {
  info->family = detect_family(*raw, unet);
  if (unet) info->unet = derive_unet_config(*unet, info->family);
  info->has_unet = unet != nullptr;
  info->supported = (info->family == ModelFamily::SD1 || info->family == ModelFamily::SD2) &&
                    info->has_unet && info->unet.has_value();
  info->prediction = Prediction::Epsilon;
  info->prediction_source = "family default";
}

}  // namespace

Checkpoint Checkpoint::from_single_file(std::shared_ptr<const TensorTable> file, std::string format,
                                        const std::string& file_name) {
  Checkpoint c;
  ModelInfo& info = c.info_;
  info.origin = file->origin();
  info.format = std::move(format);
  std::set<DType> dtypes;
  add_stats(*file, &info, &dtypes);
  info.dtypes.assign(dtypes.begin(), dtypes.end());

  auto unet = non_empty(strip_prefix(file, "model.diffusion_model."));
  decide_unet_facts(file.get(), &info, unet.get());
  auto vae = non_empty(strip_prefix(file, "first_stage_model."));
  if (!vae && file->find("encoder.conv_in.weight") && file->find("decoder.conv_in.weight")) {
    vae = file;  // a standalone VAE file keeps LDM names without a prefix
  }
  auto te = single_file_text_encoder(file);
  info.has_vae = vae != nullptr;
  info.has_text_encoder = te != nullptr;

  if (file->find("v_pred")) {
    info.prediction = Prediction::V;
    info.prediction_source = "v_pred key";
  } else if (info.family == ModelFamily::SD2 && unet && info.unet) {
    info.prediction = sd2_prediction_from_weights(*unet, info.unet->in_channels);
    info.prediction_source = "norm1.bias std heuristic (ComfyUI)";
  }
  for (const char* key : {"modelspec.title", "modelspec.architecture", "modelspec.description"}) {
    auto it = file->metadata().find(key);
    if (!info.turbo && it != file->metadata().end() && contains_turbo(it->second)) {
      info.turbo = true;
      info.turbo_source = std::string("metadata ") + key;
    }
  }
  if (!info.turbo && contains_turbo(fs::path(file_name).filename().string())) {
    info.turbo = true;
    info.turbo_source = "file name";
  }
  // SD-Turbo and SDXL-Turbo are epsilon models; the SD2 weight heuristic is not needed then.
  if (info.turbo && info.prediction_source != "v_pred key") {
    info.prediction = Prediction::Epsilon;
    info.prediction_source = "SD-Turbo is epsilon-trained";
  }
  if (info.supported) {
    c.unet_ = std::move(unet);
    c.vae_ = std::move(vae);
    c.text_encoder_ = std::move(te);
  }
  return c;
}

Checkpoint Checkpoint::from_diffusers(const std::string& dir_name) {
  const fs::path dir(dir_name);
  Checkpoint c;
  ModelInfo& info = c.info_;
  info.origin = dir_name;
  info.format = "diffusers";
  const nlohmann::json index = read_config(dir / "model_index.json");
  const nlohmann::json scheduler = read_config(dir / "scheduler" / "scheduler_config.json");

  std::set<DType> dtypes;
  std::vector<TensorInfo> raw_infos;  // every component's original names, for family detection
  std::vector<std::shared_ptr<const void>> raw_owners;
  std::shared_ptr<const TensorSource> unet, vae, te;
  std::error_code ec;
  for (const char* part :
       {"unet", "vae", "text_encoder", "text_encoder_2", "text_encoder_3", "transformer"}) {
    if (!fs::is_directory(dir / part, ec)) continue;
    std::shared_ptr<const TensorSource> src = open_diffusers_component((dir / part).string());
    add_stats(*src, &info, &dtypes);
    for (const TensorInfo& t : src->tensors()) {
      raw_infos.push_back(t);
      raw_infos.back().name = std::string(part) + "." + t.name;
    }
    raw_owners.push_back(src);
    const std::string name = part;
    if (name == "unet") unet = diffusers_unet_to_ldm(src);
    if (name == "vae") vae = diffusers_vae_to_ldm(src);
    if (name == "text_encoder") te = src;
  }
  if (raw_owners.empty())
    throw ModelFormatError(dir_name + ": diffusers folder without model weights");
  info.dtypes.assign(dtypes.begin(), dtypes.end());
  const TensorTable raw(dir_name, std::move(raw_infos), keep_together(std::move(raw_owners)));
  decide_unet_facts(&raw, &info, unet.get());
  const std::string pipeline = json_string(index, "_class_name");
  if (pipeline.find("XL") != std::string::npos) info.family = ModelFamily::SDXL;
  if (pipeline.find("StableDiffusion3") != std::string::npos) info.family = ModelFamily::SD3;
  if (pipeline.find("Flux") != std::string::npos) info.family = ModelFamily::Flux;
  if (info.family != ModelFamily::SD1 && info.family != ModelFamily::SD2) info.supported = false;
  info.has_vae = vae != nullptr;
  info.has_text_encoder = te != nullptr;

  const std::string type = json_string(scheduler, "prediction_type");
  if (type == "v_prediction" || type == "epsilon") {
    info.prediction = type == "v_prediction" ? Prediction::V : Prediction::Epsilon;
    info.prediction_source = "scheduler_config.json";
  } else if (info.family == ModelFamily::SD2 && unet && info.unet) {
    info.prediction = sd2_prediction_from_weights(*unet, info.unet->in_channels);
    info.prediction_source = "norm1.bias std heuristic (ComfyUI)";
  }
  for (const auto& [json, source] :
       {std::pair{&index, "model_index.json"}, std::pair{&scheduler, "scheduler_config.json"}}) {
    if (!info.turbo && contains_turbo(json_string(*json, "_name_or_path"))) {
      info.turbo = true;
      info.turbo_source = source;
    }
  }
  if (!info.turbo && contains_turbo(fs::absolute(dir, ec).filename().string())) {
    info.turbo = true;
    info.turbo_source = "folder name";
  }
  if (fs::is_directory(dir / "tokenizer", ec)) info.tokenizer_dir = (dir / "tokenizer").string();
  if (info.supported) {
    c.unet_ = std::move(unet);
    c.vae_ = std::move(vae);
    c.text_encoder_ = std::move(te);
  }
  return c;
}

Checkpoint Checkpoint::open(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (!is_diffusers_pipeline(path)) {
      throw ModelFormatError(path +
                             ": folder is not a diffusers pipeline (no model_index.json or unet/)");
    }
    return from_diffusers(path);
  }
  std::shared_ptr<const TensorTable> file = open_tensor_table(path);
  return from_single_file(std::move(file), sniff_format(path), path);
}

Checkpoint Checkpoint::open_for_generation(const std::string& path,
                                           std::optional<Prediction> prediction) {
  Checkpoint c = open(path);
  c.require_generation_support();
  if (prediction) c.set_prediction(*prediction);
  return c;
}

void Checkpoint::set_prediction(Prediction p) {
  info_.prediction = p;
  info_.prediction_source = "caller override";
}

void Checkpoint::require_generation_support() const {
  if (!info_.supported) {
    throw UnsupportedModelError(info_.origin + ": " + std::string(family_name(info_.family)) +
                                " models are not supported yet (Stable Diffusion 1.x and 2.x are)");
  }
  if (info_.unet && info_.unet->in_channels != 4) {
    // Inpainting checkpoints take the masked image and the mask as 5 extra input channels.
    throw UnsupportedModelError(info_.origin + ": a " + std::to_string(info_.unet->in_channels) +
                                "-channel (inpainting) UNet is not supported yet; inpaint with an "
                                "ordinary checkpoint and a "
                                "mask (generate --mask) instead");
  }
  component(unet_, "UNet");
  component(vae_, "VAE");
  component(text_encoder_, "text encoder");
}

const TensorSource& Checkpoint::component(const std::shared_ptr<const TensorSource>& c,
                                          const char* what) const {
  if (!info_.supported) {
    throw UnsupportedModelError(info_.origin + ": " + std::string(family_name(info_.family)) +
                                " models are not supported yet, so no " + what + " is available");
  }
  if (!c) throw ModelFormatError(info_.origin + ": checkpoint has no " + what + " weights");
  return *c;
}

const TensorSource& Checkpoint::unet() const { return component(unet_, "UNet"); }
const TensorSource& Checkpoint::vae() const { return component(vae_, "VAE"); }
const TensorSource& Checkpoint::text_encoder() const {
  return component(text_encoder_, "text encoder");
}

}  // namespace pixforge
