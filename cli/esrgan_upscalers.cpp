#include "esrgan_upscalers.h"

#include <filesystem>
#include <memory>

#include "pixforge/vision/models_dir.h"
#include "pixforge/vision/upscaler.h"

namespace pixforge::cli {
namespace {

struct Entry {
  std::string name;
  vision::UpscalerModel model;
  int scale;
};

std::vector<Entry> entries() {
  std::vector<Entry> out;
  for (auto m :
       {vision::UpscalerModel::Slim, vision::UpscalerModel::Medium, vision::UpscalerModel::Thick}) {
    for (int s : {2, 3, 4, 8}) {
      out.push_back(
          {"ESRGAN " + std::string(vision::upscaler_model_name(m)) + " x" + std::to_string(s), m,
           s});
    }
  }
  return out;
}

// Where vision::Upscaler loads the model from (relative to the models folder).
std::string model_file(const Entry& e) {
  return "upscaler/" + std::string(vision::upscaler_model_name(e.model)) + "/x" +
         std::to_string(e.scale) + "/model.json";
}

bool installed(const Entry& e) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(vision::models_dir()) / model_file(e), ec);
}

}  // namespace

std::vector<std::string> esrgan_upscaler_names(bool installed_only) {
  std::vector<std::string> out;
  for (const auto& e : entries()) {
    if (!installed_only || installed(e)) out.push_back(e.name);
  }
  return out;
}

pipeline::ModelUpscalers esrgan_upscalers(Backend& backend, bool installed_only) {
  pipeline::ModelUpscalers out;
  for (const auto& e : entries()) {
    if (installed_only && !installed(e)) continue;
    // Loaded on first use and kept for the next image (a job's batch, the server's next job).
    auto net = std::make_shared<std::unique_ptr<vision::Upscaler>>();
    out[e.name] = [net, e, &backend](const Image& image) {
      if (!*net) *net = std::make_unique<vision::Upscaler>(e.model, e.scale, backend);
      return (*net)->upscale(image);
    };
  }
  return out;
}

void require_esrgan_installed(const std::string& name) {
  for (const auto& e : entries()) {
    if (e.name == name) vision::require_model_file(model_file(e), "upscaler");
  }
}

}  // namespace pixforge::cli
