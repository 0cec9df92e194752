// Graph-model execution: BlazeFace (human-models 3.0.4, float32 graph) against TF.js's CPU
// backend (tools/reference/tfjs_blazeface.mjs) on the same 256x256 input, and errors for
// unsupported graphs.
#include "pixforge/tfjs/graph_model.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "pixforge/cpu/cpu_backend.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::tfjs {
namespace {

std::string blazeface_path() {
  const char* env = std::getenv("PIXFORGE_MODELS");
  return std::string(env != nullptr && *env != '\0' ? env : PIXFORGE_TEST_MODELS_DIR) + "/faces/blazeface.json";
}

// F32 compute: raw logits and regressor offsets (pixels of a 256 input) within 2e-3 + 1e-4·|x|
// (TF.js and oneDNN sum 3x3x128 products in different orders over ~40 layers).
TEST(TfjsGraphModel, blazeface_matches_tfjs) {
  const std::string path = blazeface_path();
  ASSERT_TRUE(std::filesystem::exists(path)) << "missing " << path << ": run `scripts/install-models faces`";
  auto backend = make_cpu_backend({.compute_type = DType::F32, .threads = 0});
  const GraphModel net = GraphModel::load(path, *backend);
  const auto g = pixforge::testing::load_golden(pixforge::testing::golden_path("vision/blazeface_raw.safetensors"), 1);
  const auto outs = net.run(Tensor::from_host(*backend, Shape{1, 256, 256, 3}, g.at("input").values),
                            {"Identity", "Identity_1", "Identity_2", "Identity_3"});
  const char* names[] = {"Identity", "Identity_1", "Identity_2", "Identity_3"};
  for (int i = 0; i < 4; ++i) {
    const auto& expect = g.at(names[i]);
    ASSERT_EQ(outs[i].numel(), static_cast<std::int64_t>(expect.values.size())) << names[i];
    const auto got = outs[i].to_host();
    const auto d = pixforge::testing::compare(got, expect.values);
    std::printf("[ blazeface] %-10s max|d| %.2e\n", names[i], d.max_abs);
    EXPECT_TRUE(pixforge::testing::all_close(got, expect.values, 2e-3, 1e-4)) << names[i];
  }
}

TEST(TfjsGraphModel, unsupported_ops_are_named) {
  ModelJson m;
  m.path = "g.json";
  m.format = ModelFormat::Graph;
  m.topology = {{"node", nlohmann::json::array({{{"name", "x"}, {"op", "Placeholder"}},
                                                {{"name", "y"}, {"op", "Erf"}, {"input", {"x"}}}})}};
  auto backend = make_reference_backend();
  try {
    GraphModel::build(m, WeightMap{}, *backend);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("\"Erf\""), std::string::npos) << e.what();
  }
  m.topology["node"][1] = {{"name", "y"}, {"op", "Relu"}, {"input", {"nope:0"}}};
  EXPECT_THROW(GraphModel::build(m, WeightMap{}, *backend), std::runtime_error);
}

}  // namespace
}  // namespace pixforge::tfjs
