#include "pipeline_fixture.h"

#include <unistd.h>

#include <filesystem>

#include "pixforge/image/codec.h"
#include "pixforge/pipeline/generate.h"
#include "synthetic_weights.h"
#include "testing/paths.h"

namespace pixforge::pipeline_test {
namespace {

struct State {
  std::filesystem::path dir;
  std::string checkpoint;
  std::shared_ptr<const pipeline::Model> model;
  std::unique_ptr<testing::Golden> golden;
};

State& state() {
  static State s;
  return s;
}

}  // namespace

void PipelineTest::SetUpTestSuite() {
  State& s = state();
  if (!s.checkpoint.empty()) return;
  s.dir = std::filesystem::temp_directory_path() /
          ("pixforge_pipeline_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(s.dir);
  std::vector<synthetic::LayoutEntry> layout;
  for (const char* part : {"sd15_unet.json", "sd15_vae.json", "sd15_clip.json"}) {
    auto entries = synthetic::read_layout(testing::golden_path(std::string("layouts/") + part));
    layout.insert(layout.end(), entries.begin(), entries.end());
  }
  s.checkpoint = (s.dir / "sd15-synthetic.safetensors").string();
  synthetic::write_safetensors(layout, DType::F16, s.checkpoint);
  pipeline::GenerationParams p;
  p.compute = pipeline::ComputeType::F32;
  pipeline::ModelOptions mo = pipeline::model_options_for(p);
  mo.vocab_path = vocab_path();
  s.model = pipeline::Model::load(s.checkpoint, mo);
  s.golden = std::make_unique<testing::Golden>(
      testing::load_golden(testing::golden_path("pipeline/txt2img.safetensors"), kGoldenVersion));
}

void PipelineTest::TearDownTestSuite() {
  // Every test in the binary shares the fixture; the files go when the process ends.
}

namespace {
struct RemoveAtExit {
  ~RemoveAtExit() {
    if (!state().dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(state().dir, ec);
    }
  }
} remove_at_exit;
}  // namespace

const std::string& PipelineTest::checkpoint_path() { return state().checkpoint; }

std::string PipelineTest::vocab_path() {
  return testing::shared_data_path("clip/bpe_simple_vocab_16e6.txt.gz");
}

const pipeline::Model& PipelineTest::model_f32() { return *state().model; }

const testing::Golden& PipelineTest::golden() { return *state().golden; }

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
