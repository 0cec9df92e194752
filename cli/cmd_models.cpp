// `pixforge models inspect FILE [--json]`: what a checkpoint is (family, prediction type,
// dtypes, tensor count, size, UNet config) without loading it for generation.
// `models` is a group other cmd_*.cpp files extend through models_group() (command.h).
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "command.h"
#include "pixforge/io/checkpoint.h"

namespace pixforge::cli {

CLI::App& models_group(CLI::App& app) {
  try {
    return *app.get_subcommand("models");
  } catch (const CLI::OptionNotFound&) {
    CLI::App* models = app.add_subcommand("models", "Inspect and manage model checkpoints");
    models->require_subcommand(1);
    return *models;
  }
}

}  // namespace pixforge::cli

namespace {

using pixforge::ModelInfo;

std::string join_ints(const std::vector<int>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::string human_size(std::uint64_t bytes) {
  char buf[32];
  const double gib = static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0);
  if (gib >= 1.0) {
    std::snprintf(buf, sizeof buf, "%.2f GiB", gib);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  }
  return buf;
}

nlohmann::ordered_json to_json(const ModelInfo& i) {
  nlohmann::ordered_json j;
  j["file"] = i.origin;
  j["format"] = i.format;
  j["family"] = std::string(pixforge::family_name(i.family));
  j["supported"] = i.supported;
  j["prediction"] = std::string(pixforge::prediction_name(i.prediction));
  j["prediction_source"] = i.prediction_source;
  j["turbo"] = i.turbo;
  if (i.turbo) j["turbo_source"] = i.turbo_source;
  j["dtypes"] = nlohmann::json::array();
  for (auto d : i.dtypes) j["dtypes"].push_back(std::string(pixforge::dtype_name(d)));
  j["tensor_count"] = i.tensor_count;
  j["total_bytes"] = i.total_bytes;
  j["components"] = {
      {"unet", i.has_unet}, {"vae", i.has_vae}, {"text_encoder", i.has_text_encoder}};
  if (i.unet) {
    const auto& u = *i.unet;
    j["unet"] = {{"in_channels", u.in_channels},
                 {"out_channels", u.out_channels},
                 {"model_channels", u.model_channels},
                 {"channel_mult", u.channel_mult},
                 {"num_res_blocks", u.num_res_blocks},
                 {"transformer_depth", u.transformer_depth},
                 {"context_dim", u.context_dim},
                 {"num_heads", u.num_heads},
                 {"head_dim", u.head_dim},
                 {"linear_proj", u.linear_proj},
                 {"adm_in_channels", u.adm_in_channels}};
  }
  if (!i.tokenizer_dir.empty()) j["tokenizer_dir"] = i.tokenizer_dir;
  return j;
}

void print_text(const ModelInfo& i) {
  std::ostringstream o;
  o << "file:        " << i.origin << "\n"
    << "format:      " << i.format << "\n"
    << "family:      " << pixforge::family_name(i.family)
    << (i.supported ? "" : " (not supported for generation yet)") << "\n"
    << "prediction:  " << pixforge::prediction_name(i.prediction) << " (" << i.prediction_source
    << ")\n"
    << "turbo:       " << (i.turbo ? "yes (" + i.turbo_source + ")" : std::string("no")) << "\n"
    << "dtypes:     ";
  for (auto d : i.dtypes) o << " " << pixforge::dtype_name(d);
  o << "\ntensors:     " << i.tensor_count << "\n"
    << "size:        " << human_size(i.total_bytes) << " (" << i.total_bytes << " bytes)\n"
    << "components: " << (i.has_unet ? " unet" : "") << (i.has_vae ? " vae" : "")
    << (i.has_text_encoder ? " text_encoder" : "")
    << (i.has_unet || i.has_vae || i.has_text_encoder ? "" : " none") << "\n";
  if (i.unet) {
    const auto& u = *i.unet;
    o << "unet:        in " << u.in_channels << ", out " << u.out_channels << ", model_channels "
      << u.model_channels << ", channel_mult " << join_ints(u.channel_mult) << ", res blocks "
      << u.num_res_blocks << ", transformer depth " << join_ints(u.transformer_depth)
      << ", context " << u.context_dim << ", "
      << (u.num_heads > 0 ? std::to_string(u.num_heads) + " heads"
                          : std::to_string(u.head_dim) + "-dim heads")
      << ", " << (u.linear_proj ? "linear" : "conv") << " proj_in";
    if (u.adm_in_channels) o << ", adm " << u.adm_in_channels;
    o << "\n";
  }
  if (!i.tokenizer_dir.empty()) o << "tokenizer:   " << i.tokenizer_dir << "\n";
  std::cout << o.str();
}

struct InspectOptions {
  std::string path;
  bool json = false;
};

PIXFORGE_COMMAND("models", [](CLI::App& app) {
  CLI::App& models = pixforge::cli::models_group(app);
  auto opts = std::make_shared<InspectOptions>();
  CLI::App* inspect = models.add_subcommand(
      "inspect", "Describe a checkpoint: family, prediction type, dtypes, tensor count, size");
  inspect->add_option("FILE", opts->path, "a .safetensors/.ckpt/.pth file or a diffusers folder")
      ->required();
  inspect->add_flag("--json", opts->json, "print JSON instead of text");
  inspect->callback([opts] {
    const pixforge::Checkpoint c = pixforge::Checkpoint::open(opts->path);
    if (opts->json) {
      std::cout << to_json(c.info()).dump(2) << "\n";
    } else {
      print_text(c.info());
    }
  });
});

}  // namespace
