#include "pixforge/io/diffusers_folder.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace pixforge {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxIndexBytes = 64u << 20;

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// A shard name must name a file directly inside the folder.
void check_shard_name(const std::string& name, const std::string& index) {
  if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
      name[0] == '.') {
    throw ModelFormatError(index + ": shard file name '" + name.substr(0, 80) +
                           "' is not a plain file name in the folder");
  }
}

std::unique_ptr<TensorTable> open_sharded(const fs::path& dir, const fs::path& index_path) {
  const std::string index = index_path.string();
  std::error_code ec;
  const auto size = fs::file_size(index_path, ec);
  if (ec || size > kMaxIndexBytes)
    throw ModelFormatError(index + ": unreadable or oversized index");
  std::ifstream f(index_path, std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  const auto j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("weight_map") ||
      !j["weight_map"].is_object()) {
    throw ModelFormatError(index + ": not a shard index (no \"weight_map\" object)");
  }
  std::map<std::string, std::vector<std::string>> by_shard;
  for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
    if (!it.value().is_string())
      throw ModelFormatError(index + ": weight_map value is not a file name");
    const std::string shard = it.value().get<std::string>();
    check_shard_name(shard, index);
    by_shard[shard].push_back(it.key());
  }
  if (by_shard.empty()) throw ModelFormatError(index + ": weight_map is empty");
  std::vector<std::shared_ptr<const void>> owners;
  std::vector<TensorInfo> all;
  for (const auto& [shard, names] : by_shard) {
    std::shared_ptr<TensorTable> table = open_tensor_table((dir / shard).string());
    for (const std::string& n : names) {
      if (!table->find(n)) {
        throw ModelFormatError(index + ": tensor '" + n + "' is not in its shard " + shard);
      }
    }
    all.insert(all.end(), table->tensors().begin(), table->tensors().end());
    owners.push_back(std::move(table));
  }
  return std::make_unique<TensorTable>(dir.string(), std::move(all),
                                       keep_together(std::move(owners)));
}

}  // namespace

std::unique_ptr<TensorTable> open_diffusers_component(const std::string& dir_name) {
  const fs::path dir(dir_name);
  static const char* kStems[] = {"diffusion_pytorch_model", "model", "pytorch_model"};
  static const char* kVariants[] = {"", ".fp16"};
  for (const char* ext : {".safetensors", ".bin"}) {
    for (const char* variant : kVariants) {
      for (const char* stem : kStems) {
        const fs::path single = dir / (std::string(stem) + variant + ext);
        if (is_file(single)) return open_tensor_table(single.string());
        // diffusers names variant indexes "<stem><ext>.index<variant>.json"
        const fs::path index = dir / (std::string(stem) + ext + ".index" + variant + ".json");
        if (is_file(index)) return open_sharded(dir, index);
      }
    }
  }
  throw ModelFormatError(dir_name +
                         ": no model weights found (expected diffusion_pytorch_model"
                         "[.fp16].safetensors, model[.fp16].safetensors or a sharded index)");
}

bool is_diffusers_pipeline(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / "model_index.json", ec) ||
         fs::is_directory(fs::path(dir) / "unet", ec);
}

}  // namespace pixforge
