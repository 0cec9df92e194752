// A loaded Model never reads its checkpoint again. After Model::load the file is no longer
// mapped (/proc/self/maps), and a generation run after the file was truncated to nothing gives
// exactly the image (pixels, A1111 label) of one run before: a read through a mapping of the
// truncated file would crash with SIGBUS, and a re-read of the path would see an empty file.
//
// The checkpoint is a small synthetic SD 2.x one written for this test only (the
// sd2_small_unet layout, the full KL-f8 VAE, and the first two layers of the OpenCLIP ViT-H
// text tower, which is all SD 2.x's penultimate-layer conditioning runs), so the copy it
// truncates costs ~400 MB of disk for a few seconds rather than the shared 2 GB SD 1.5 file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "pixforge/pipeline/generate.h"
#include "pixforge/pipeline/model.h"
#include "synthetic_weights.h"
#include "testing/paths.h"

namespace pixforge::pipeline {
namespace {

namespace fs = std::filesystem;

std::vector<synthetic::LayoutEntry> small_sd2_layout() {
  std::vector<synthetic::LayoutEntry> all;
  for (const char* part : {"sd2_small_unet.json", "sd15_vae.json", "sd2_clip.json"}) {
    for (auto& e : synthetic::read_layout(testing::golden_path(std::string("layouts/") + part))) {
      all.push_back(std::move(e));
    }
  }
  // Keep text-encoder layers 0 and 1 only.
  const std::regex deep_layer(R"(\.encoder\.layers\.([2-9]|[1-9][0-9])\.)");
  std::erase_if(all, [&](const synthetic::LayoutEntry& e) {
    return e.name.rfind("cond_stage_model.", 0) == 0 && std::regex_search(e.name, deep_layer);
  });
  return all;
}

bool is_mapped(const std::string& path) {
  const std::string canonical = fs::canonical(path).string();
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.size() >= canonical.size() &&
        line.compare(line.size() - canonical.size(), canonical.size(), canonical) == 0) {
      return true;
    }
  }
  return false;
}

GenerationParams small_params() {
  GenerationParams p;
  p.prompt = "a lighthouse at dusk";
  p.negative_prompt = "blurry";
  p.width = p.height = 64;
  p.steps = 2;
  p.seed = 11;
  p.compute = ComputeType::BF16;
  return p;
}

TEST(ModelRelease, GeneratesWithoutItsCheckpointFile) {
  const fs::path dir =
      fs::path(PIXFORGE_PIPELINE_TEST_WORK) / ("release-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  struct Cleanup {  // the ~400 MB checkpoint goes even when an assertion or a throw ends the test
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  const std::string file = (dir / "small-sd2.f16.safetensors").string();
  synthetic::write_safetensors(small_sd2_layout(), DType::F16, file);

  ModelOptions mo = model_options_for(small_params());
  mo.vocab_path = testing::shared_data_path("clip/bpe_simple_vocab_16e6.txt.gz");
  const auto model = Model::load(file, mo);
  EXPECT_EQ(model->info().family, ModelFamily::SD2);
  EXPECT_FALSE(is_mapped(file)) << "the loaded model still maps its checkpoint";
  const auto before = generate(*model, small_params());

  fs::resize_file(file, 0);  // every byte the model could still read is gone
  const auto after = generate(*model, small_params());

  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(before[0].image.pixels, after[0].image.pixels);
  const auto hash = after[0].parameters.get("Model hash");
  ASSERT_TRUE(hash.has_value());
  EXPECT_EQ(hash, before[0].parameters.get("Model hash"));
  EXPECT_EQ(hash->size(), 10u) << "the A1111 short hash of the original file";
}

}  // namespace
}  // namespace pixforge::pipeline
