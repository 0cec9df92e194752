// KL-f8 VAE against the PyTorch reference (tools/reference/nn_vae.py) on synthetic weights of
// the full SD autoencoder layout: encoder and decoder stage by stage, moments and mean, in f32
// and bf16 compute; structure read from the weights; bad inputs rejected.
#include "pixforge/nn/vae.h"

#include <gtest/gtest.h>

#include <map>

#include "nn_test_util.h"
#include "pixforge/nn/vae_tiled.h"
#include "synthetic_weights.h"

namespace pixforge::testing {
namespace {

constexpr int kVersion = 1;

std::unique_ptr<TensorSource> vae_source() {
  return synthetic::make_component_source(
      synthetic::read_layout(golden_path("layouts/sd15_vae.json")), "first_stage_model.");
}

class VaeGolden : public ::testing::TestWithParam<DType> {};

TEST_P(VaeGolden, EncoderAndDecoderMatchReferenceStageByStage) {
  const Golden g = load_golden(golden_path("nn/vae_sd15.safetensors"), kVersion);
  auto backend = cpu_backend(GetParam());
  const auto source = vae_source();
  const nn::Vae vae(*source, *backend);
  EXPECT_EQ(vae.config().base_channels, 128);
  EXPECT_EQ(vae.config().channel_mult, (std::vector<int>{1, 2, 4, 4}));
  EXPECT_EQ(vae.config().latent_channels, 4);

  std::map<std::string, Tensor> stages;
  const nn::StageHook hook = [&](std::string_view n, const Tensor& t) {
    stages[std::string(n)] = t;
  };
  const Tensor image = golden_tensor(*backend, g, "image");  // [1,32,24,3]
  const Tensor moments = vae.encode_moments(image, hook);
  const Tensor mean = vae.encode(image);
  const Tensor decoded = vae.decode(golden_tensor(*backend, g, "latent"), hook);
  EXPECT_EQ(stages.size(), 10u);  // encoder.down.0-3, encoder.mid, decoder.mid, decoder.up.0-3
  // f32: stages stored as f16 (2e-3 covers that rounding and accumulation order).
  // bf16: every conv/linear/attention rounds its operands to 8 mantissa bits, through ~30
  // layers: a few percent of the tensor's rms (measured below 5%).
  const bool f32 = GetParam() == DType::F32;
  for (const auto& [name, t] : stages) {
    EXPECT_TRUE(close_to_golden(name, t, g.at(name), f32 ? 2e-3 : 1e-1));
  }
  EXPECT_TRUE(close_to_golden("moments", moments, g.at("moments"), f32 ? 1e-3 : 1e-1));
  EXPECT_TRUE(close_to_golden("mean", mean, g.at("mean"), f32 ? 1e-3 : 1e-1));
  EXPECT_TRUE(close_to_golden("decoded", decoded, g.at("decoded"), f32 ? 1e-3 : 1e-1));
}

INSTANTIATE_TEST_SUITE_P(Compute, VaeGolden, ::testing::Values(DType::F32, DType::BF16),
                         compute_name);

TEST(Vae, RejectsBadInputs) {
  auto backend = cpu_backend(DType::F32);
  const auto source = vae_source();
  const nn::Vae vae(*source, *backend);
  const auto zeros = [&](Shape s) {
    return Tensor::from_host(*backend, s, std::vector<float>(static_cast<std::size_t>(s.numel())));
  };
  EXPECT_THROW(vae.encode(zeros(Shape{1, 20, 16, 3})), std::invalid_argument);  // 20 % 8
  EXPECT_THROW(vae.encode(zeros(Shape{1, 16, 16, 4})), std::invalid_argument);  // RGBA
  EXPECT_THROW(vae.decode(zeros(Shape{1, 2, 2, 3})), std::invalid_argument);    // 3 channels
  EXPECT_THROW(vae.decode(zeros(Shape{2, 2, 4})), std::invalid_argument);       // rank 3
}

TEST(Vae, DecoderOnlyWeightsDecodeAndRefuseToEncode) {
  auto layout = synthetic::read_layout(golden_path("layouts/sd15_vae.json"));
  std::erase_if(layout, [](const auto& e) {
    return e.name.starts_with("first_stage_model.encoder.") ||
           e.name.starts_with("first_stage_model.quant_conv.");
  });
  auto backend = cpu_backend(DType::F32);
  const auto source = synthetic::make_component_source(layout, "first_stage_model.");
  const nn::Vae vae(*source, *backend);
  EXPECT_FALSE(vae.config().has_encoder);
  const Tensor z = Tensor::from_host(*backend, Shape{1, 1, 1, 4}, std::vector<float>(4, 0.1f));
  EXPECT_EQ(vae.decode(z).shape(), (Shape{1, 8, 8, 3}));
  const Tensor img = Tensor::from_host(*backend, Shape{1, 8, 8, 3}, std::vector<float>(192));
  EXPECT_THROW(vae.encode(img), UnsupportedOp);
}

TEST(Vae, MissingTensorIsNamed) {
  auto layout = synthetic::read_layout(golden_path("layouts/sd15_vae.json"));
  std::erase_if(layout, [](const auto& e) {
    return e.name == "first_stage_model.decoder.mid.attn_1.k.bias";
  });
  auto backend = cpu_backend(DType::F32);
  const auto source = synthetic::make_component_source(layout, "first_stage_model.");
  try {
    nn::Vae vae(*source, *backend);
    FAIL() << "built a VAE without a tensor";
  } catch (const ModelFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("decoder.mid.attn_1.k.bias"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace pixforge::testing

namespace pixforge::testing {
namespace {

// Tiled decode/encode against the same tiling scheme run in PyTorch (nn_vae.py's restatement of
// ComfyUI's tiled_scale): latent 6x5 in tiles of 4 (overlap 1), image 48x40 in tiles of 32
// (overlap 8), three tile shapes each. f32: the blend adds only float rounding; the decoded
// reference is stored as f16, hence 2e-3.
TEST(VaeTiled, DecodeAndEncodeMatchTiledReference) {
  const Golden g = load_golden(golden_path("nn/vae_tiled.safetensors"), kVersion);
  auto backend = cpu_backend(DType::F32);
  const auto source = vae_source();
  const nn::Vae vae(*source, *backend);
  const Tensor decoded = nn::decode_tiled(vae, golden_tensor(*backend, g, "latent"), {4, 1});
  EXPECT_TRUE(close_to_golden("tiled decode", decoded, g.at("decoded"), 2e-3));
  const Tensor encoded = nn::encode_tiled(vae, golden_tensor(*backend, g, "image"), {32, 8});
  EXPECT_TRUE(close_to_golden("tiled encode", encoded, g.at("encoded"), 1e-3));
}

TEST(VaeTiled, RejectsBadTiling) {
  auto backend = cpu_backend(DType::F32);
  const auto source = vae_source();
  const nn::Vae vae(*source, *backend);
  const Tensor z = Tensor::from_host(*backend, Shape{1, 4, 4, 4}, std::vector<float>(64));
  EXPECT_THROW(nn::decode_tiled(vae, z, {8, 4}), std::invalid_argument);  // overlap >= tile/2
  EXPECT_THROW(nn::decode_tiled(vae, z, {0, 0}), std::invalid_argument);
  const Tensor img = Tensor::from_host(*backend, Shape{1, 32, 32, 3}, std::vector<float>(3072));
  EXPECT_THROW(nn::encode_tiled(vae, img, {36, 8}), std::invalid_argument);  // not a multiple of 8
}

}  // namespace
}  // namespace pixforge::testing
