// The C++ synthetic-weight generator must be bit-identical to tools/reference/synthetic.py, or
// every golden computed on synthetic weights would be compared against different weights.
#include "synthetic_weights.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge {
namespace {

TEST(SyntheticWeights, BitIdenticalToPythonGenerator) {
  const auto g = testing::load_golden(testing::golden_path("synthetic/values.safetensors"), 1);
  ASSERT_EQ(g.tensors.size(), 5u);
  for (const auto& [name, expected] : g.tensors) {
    Shape shape;
    for (auto d : expected.shape) shape.push_back(d);
    const auto actual = synthetic::values(name, shape);
    ASSERT_EQ(actual.size(), expected.values.size()) << name;
    EXPECT_EQ(0, std::memcmp(actual.data(), expected.values.data(), actual.size() * sizeof(float)))
        << name << ": first value " << actual[0] << " vs " << expected.values[0];
  }
}

TEST(SyntheticWeights, RolesGiveNormScalesNearOneAndSmallBiases) {
  const auto gamma = synthetic::values("norm.weight", Shape{64});
  const auto bias = synthetic::values("norm.bias", Shape{64});
  for (float v : gamma) EXPECT_NEAR(v, 1.0f, 0.1f);
  for (float v : bias) EXPECT_LE(std::abs(v), 0.05f);
}

TEST(SyntheticWeights, WritesReadableSafetensors) {
  const auto path = std::filesystem::temp_directory_path() / "pixforge_synthetic_test.safetensors";
  synthetic::write_safetensors({{"a.weight", Shape{3, 2}}, {"a.bias", Shape{3}}}, DType::F16,
                               path.string());
  EXPECT_GT(std::filesystem::file_size(path), 8u + 6 * 2 + 3 * 2);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace pixforge

namespace pixforge {
namespace {

TEST(SyntheticWeights, ComponentSourceStripsPrefixButKeepsFullNameValues) {
  const std::vector<synthetic::LayoutEntry> layout = {
      {"model.diffusion_model.out.2.weight", Shape{4, 8, 3, 3}}, {"first_stage_model.x.bias", Shape{2}}};
  auto unet = synthetic::make_component_source(layout, "model.diffusion_model.");
  ASSERT_EQ(unet->tensors().size(), 1u);
  const TensorInfo& t = unet->require("out.2.weight");
  const auto expected = synthetic::values("model.diffusion_model.out.2.weight", Shape{4, 8, 3, 3});
  EXPECT_EQ(0, std::memcmp(t.data, expected.data(), expected.size() * sizeof(float)));
  EXPECT_EQ(unet->find("first_stage_model.x.bias"), nullptr);
  EXPECT_THROW(unet->require("missing"), ModelFormatError);
}

}  // namespace
}  // namespace pixforge
