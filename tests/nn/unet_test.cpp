// UNet against the PyTorch reference (tools/reference/nn_unet.py) on synthetic weights of the
// real layouts: the full SD1.5 UNet stage by stage, an SD2.x-structured UNet whole, in f32
// and bf16 compute.
#include "pixforge/nn/unet.h"

#include <gtest/gtest.h>

#include <map>

#include "nn_test_util.h"
#include "synthetic_weights.h"

namespace pixforge::testing {
namespace {

constexpr int kVersion = 1;
const std::string kPrefix = "model.diffusion_model.";

std::vector<float> timesteps_of(const Golden& g) { return g.at("timesteps").values; }

struct Captured {
  std::map<std::string, Tensor> stages;
  nn::StageHook hook() {
    return [this](std::string_view name, const Tensor& t) { stages[std::string(name)] = t; };
  }
};

// One test builds the 860M-parameter SD1.5 UNet (about 3.4 GB of f32 synthetic values plus
// the prepared weights): kept to one build, in f32, where the comparison is tight.
TEST(UNet, Sd15FullLayoutMatchesReferenceStageByStage) {
  const Golden g = load_golden(golden_path("nn/unet_sd15.safetensors"), kVersion);
  auto backend = cpu_backend(DType::F32);
  std::unique_ptr<nn::UNet> unet;
  {
    const auto source = synthetic::make_component_source(
        synthetic::read_layout(golden_path("layouts/sd15_unet.json")), kPrefix);
    unet = std::make_unique<nn::UNet>(*source, *backend);
  }
  const nn::UNetConfig& c = unet->config();
  EXPECT_EQ(c.model_channels, 320);
  EXPECT_EQ(c.in_channels, 4);
  EXPECT_EQ(c.channel_mult, (std::vector<int>{1, 2, 4, 4}));
  EXPECT_EQ(c.attention_levels, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(c.num_res_blocks, 2);
  EXPECT_EQ(c.context_dim, 768);
  EXPECT_EQ(c.num_heads, 8);
  EXPECT_FALSE(c.linear_projection);

  Captured cap;
  const Tensor out = unet->forward(golden_tensor(*backend, g, "x"), timesteps_of(g),
                                   golden_tensor(*backend, g, "context"), cap.hook());
  // Stages are stored as f16 (golden size): 2e-3 covers f16 rounding (5e-4 relative) plus f32
  // accumulation-order differences through up to 25 blocks. The final output is stored in f32.
  EXPECT_EQ(cap.stages.size(), 25u);
  for (const auto& [name, t] : cap.stages) {
    EXPECT_TRUE(close_to_golden(name, t, g.at(name), 2e-3));
  }
  EXPECT_TRUE(close_to_golden("out", out, g.at("out"), 1e-3));
}

// SD2.x structure (linear proj_in/out, 64-channel heads, 1024-wide context, real key names) at
// model_channels 64, latent 16x8 (non-square: catches H/W mix-ups), per-sample timesteps.
class UNetSd2 : public ::testing::TestWithParam<DType> {};

TEST_P(UNetSd2, SmallLayoutMatchesReference) {
  const Golden g = load_golden(golden_path("nn/unet_sd2_small.safetensors"), kVersion);
  auto backend = cpu_backend(GetParam());
  const auto source = synthetic::make_component_source(
      synthetic::read_layout(golden_path("layouts/sd2_small_unet.json")), kPrefix);
  const nn::UNet unet(*source, *backend);
  EXPECT_TRUE(unet.config().linear_projection);
  EXPECT_EQ(unet.config().head_dim, 64);
  EXPECT_EQ(unet.config().context_dim, 1024);
  const Tensor out = unet.forward(golden_tensor(*backend, g, "x"), timesteps_of(g),
                                  golden_tensor(*backend, g, "context"));
  // f32: accumulation order only. bf16: operands rounded to 8 mantissa bits in every conv,
  // linear and attention of ~40 layers; measured max error about 3% of the output's rms.
  const double tol = GetParam() == DType::F32 ? 1e-3 : 8e-2;
  EXPECT_TRUE(close_to_golden("out", out, g.at("out"), tol));
}

// Latent 9x10 (a 72x80 image: multiples of 8, not of 64): sides 9 -> 5 -> 3 -> 2 going down,
// and each upsample returns to its skip's odd size as ComfyUI's Upsample(output_shape) does.
// f32 tolerance as above (accumulation order only): a wrong row/column mapping in the
// upsample moves whole feature rows and fails at the 1e-1 level.
TEST(UNet, OddLatentSidesMatchComfyUIUpsample) {
  const Golden g = load_golden(golden_path("nn/unet_sd2_odd.safetensors"), kVersion);
  auto backend = cpu_backend(DType::F32);
  const auto source = synthetic::make_component_source(
      synthetic::read_layout(golden_path("layouts/sd2_small_unet.json")), kPrefix);
  const nn::UNet unet(*source, *backend);
  const Tensor out = unet.forward(golden_tensor(*backend, g, "x"), timesteps_of(g),
                                  golden_tensor(*backend, g, "context"));
  EXPECT_EQ(out.shape(), (Shape{1, 9, 10, 4}));
  EXPECT_TRUE(close_to_golden("out", out, g.at("out"), 1e-3));
}

INSTANTIATE_TEST_SUITE_P(Compute, UNetSd2, ::testing::Values(DType::F32, DType::BF16),
                         compute_name);

TEST(UNet, TimestepEmbeddingIsCosThenSin) {
  const std::vector<float> e = nn::timestep_embedding({0.0f, 10.0f}, 8);
  ASSERT_EQ(e.size(), 16u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_FLOAT_EQ(e[i], 1.0f);      // cos(0)
    EXPECT_FLOAT_EQ(e[4 + i], 0.0f);  // sin(0)
  }
  // freq_i = 10000^(-i/4): i = 1 -> 0.1, so t = 10 gives cos(1), sin(1).
  EXPECT_NEAR(e[8 + 1], std::cos(1.0f), 1e-6);
  EXPECT_NEAR(e[8 + 4 + 1], std::sin(1.0f), 1e-6);
  EXPECT_NEAR(e[8 + 0], std::cos(10.0f), 1e-6);
}

std::vector<synthetic::LayoutEntry> small_layout() {
  return synthetic::read_layout(golden_path("layouts/sd2_small_unet.json"));
}

TEST(UNet, MissingTensorIsNamed) {
  auto layout = small_layout();
  std::erase_if(layout, [](const auto& e) {
    return e.name == kPrefix + "output_blocks.4.1.transformer_blocks.0.attn2.to_v.weight";
  });
  auto backend = cpu_backend(DType::F32);
  const auto source = synthetic::make_component_source(layout, kPrefix);
  try {
    nn::UNet unet(*source, *backend);
    FAIL() << "built a UNet without a tensor";
  } catch (const ModelFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("output_blocks.4.1.transformer_blocks.0.attn2.to_v"),
              std::string::npos)
        << e.what();
  }
}

TEST(UNet, UnexpectedTensorIsNamed) {
  auto layout = small_layout();
  layout.push_back({kPrefix + "middle_block.1.extra.weight", Shape{3}});
  auto backend = cpu_backend(DType::F32);
  const auto source = synthetic::make_component_source(layout, kPrefix);
  try {
    nn::UNet unet(*source, *backend);
    FAIL() << "accepted an unexpected tensor";
  } catch (const ModelFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("middle_block.1.extra.weight"), std::string::npos)
        << e.what();
  }
}

// Inpainting checkpoints take 9 input channels (latent, mask, masked-image latent): the input
// width comes from input_blocks.0.0.weight.
TEST(UNet, NineChannelInputIsReadFromTheWeights) {
  auto layout = small_layout();
  for (auto& e : layout) {
    if (e.name == kPrefix + "input_blocks.0.0.weight") e.shape = Shape{64, 9, 3, 3};
  }
  auto backend = cpu_backend(DType::F32);
  const auto source = synthetic::make_component_source(layout, kPrefix);
  const nn::UNet unet(*source, *backend);
  EXPECT_EQ(unet.config().in_channels, 9);
  const Tensor x = Tensor::from_host(*backend, Shape{1, 8, 8, 9}, std::vector<float>(576, 0.5f));
  const Tensor ctx =
      Tensor::from_host(*backend, Shape{1, 77, 1024}, std::vector<float>(77 * 1024, 0.1f));
  const Tensor out = unet.forward(x, {500.0f}, ctx);
  EXPECT_EQ(out.shape(), (Shape{1, 8, 8, 4}));
  for (float v : out.to_host()) ASSERT_TRUE(std::isfinite(v));
}

TEST(UNet, RejectsBadInputs) {
  auto backend = cpu_backend(DType::F32);
  const auto source = synthetic::make_component_source(small_layout(), kPrefix);
  const nn::UNet unet(*source, *backend);
  const auto zeros = [&](Shape s) {
    return Tensor::from_host(*backend, s, std::vector<float>(static_cast<std::size_t>(s.numel())));
  };
  const Tensor ctx = zeros(Shape{1, 77, 1024});
  // Wrong channel count, timestep count, context width (any latent size is accepted).
  EXPECT_THROW(unet.forward(zeros(Shape{1, 8, 8, 3}), {1.0f}, ctx), std::invalid_argument);
  EXPECT_THROW(unet.forward(zeros(Shape{1, 8, 8, 4}), {1.0f, 2.0f}, ctx), std::invalid_argument);
  EXPECT_THROW(unet.forward(zeros(Shape{1, 8, 8, 4}), {1.0f}, zeros(Shape{1, 77, 768})),
               std::invalid_argument);
}

}  // namespace
}  // namespace pixforge::testing
