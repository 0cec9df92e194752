#include "pipeline_fixture.h"

#include <unistd.h>

#include <filesystem>

#include "pixforge/image/codec.h"
#include "pixforge/pipeline/generate.h"
#include "synthetic_weights.h"
#include "testing/paths.h"

namespace pixforge::pipeline_test {
namespace {

// ctest runs every test in its own process: the checkpoint (about 2 GB) is written once into
// the build tree and reused by all of them and by later runs; the model and golden are loaded
// only by the tests that use them.
struct State {
  std::string checkpoint;
  std::shared_ptr<const pipeline::Model> model;
  std::unique_ptr<testing::Golden> golden;
};

State& state() {
  static State s;
  return s;
}

std::vector<std::filesystem::path> layout_files() {
  std::vector<std::filesystem::path> files;
  for (const char* part : {"sd15_unet.json", "sd15_vae.json", "sd15_clip.json"})
    files.emplace_back(testing::golden_path(std::string("layouts/") + part));
  return files;
}

// Rewritten when a layout file is newer than it; written beside and renamed, so a test running
// in parallel never reads half a checkpoint.
std::string shared_checkpoint() {
  const auto layouts = layout_files();
  const std::filesystem::path out =
      std::filesystem::path(PIXFORGE_PIPELINE_TEST_WORK) / "sd15-synthetic.f16.safetensors";
  std::error_code ec;
  if (std::filesystem::exists(out, ec)) {
    const auto written = std::filesystem::last_write_time(out);
    bool fresh = true;
    for (const auto& l : layouts) fresh = fresh && std::filesystem::last_write_time(l) <= written;
    if (fresh) return out.string();
  }
  std::filesystem::create_directories(out.parent_path());
  std::vector<synthetic::LayoutEntry> layout;
  for (const auto& l : layouts) {
    auto entries = synthetic::read_layout(l.string());
    layout.insert(layout.end(), entries.begin(), entries.end());
  }
  const std::filesystem::path tmp = out.string() + "." + std::to_string(::getpid()) + ".tmp";
  synthetic::write_safetensors(layout, DType::F16, tmp.string());
  std::filesystem::rename(tmp, out);
  return out.string();
}

}  // namespace

void PipelineTest::SetUpTestSuite() {
  State& s = state();
  if (s.checkpoint.empty()) s.checkpoint = shared_checkpoint();
}

void PipelineTest::TearDownTestSuite() {}

const std::string& PipelineTest::checkpoint_path() { return state().checkpoint; }

std::string PipelineTest::vocab_path() {
  return testing::shared_data_path("clip/bpe_simple_vocab_16e6.txt.gz");
}

const pipeline::Model& PipelineTest::model_f32() {
  State& s = state();
  if (!s.model) {
    pipeline::GenerationParams p;
    p.compute = pipeline::ComputeType::F32;
    pipeline::ModelOptions mo = pipeline::model_options_for(p);
    mo.vocab_path = vocab_path();
    s.model = pipeline::Model::load(s.checkpoint, mo);
  }
  return *s.model;
}

const testing::Golden& PipelineTest::golden() {
  State& s = state();
  if (!s.golden)
    s.golden = std::make_unique<testing::Golden>(
        testing::load_golden(testing::golden_path("pipeline/txt2img.safetensors"), kGoldenVersion));
  return *s.golden;
}

pipeline::GenerationParams golden_case(const std::string& name) {
  pipeline::GenerationParams p;
  p.width = p.height = 64;
  p.compute = pipeline::ComputeType::F32;
  if (name == "t2i") {
    p.prompt = "a lighthouse at dusk, oil painting";
    p.negative_prompt = "blurry, low quality";
    p.sampler = "euler";
    p.scheduler = "karras";
    p.steps = 4;
    p.cfg_scale = 7.0;
    p.seed = 42;
  } else if (name == "i2i") {
    p.prompt = "an astronaut, watercolor";
    p.sampler = "euler_ancestral";
    p.scheduler = "normal";
    p.steps = 4;
    p.cfg_scale = 5.0;
    p.seed = 7;
    p.init_image = read_image_file(testing::golden_path("pipeline/init_64.png"));
    p.strength = 0.6;
  } else if (name == "batch") {
    p.prompt = "two cats";
    p.negative_prompt = "dog";
    p.sampler = "dpmpp_2m";
    p.scheduler = "normal";
    p.steps = 3;
    p.cfg_scale = 7.0;
    p.seed = 3;
    p.batch_size = 2;
  } else {
    ADD_FAILURE() << "no golden case " << name;
  }
  return p;
}

}  // namespace pixforge::pipeline_test
