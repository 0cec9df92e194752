// The real taef2 tiny autoencoder (../shared/data/taef2, PyTorch zip-pickle read through the
// restricted unpickler) round-trips 128x128 crops of the shared photos as PyTorch does
// (tools/reference/nn_taesd.py).
#include "pixforge/nn/taesd.h"

#include <gtest/gtest.h>

#include "nn_test_util.h"

namespace pixforge::testing {
namespace {

constexpr int kVersion = 1;

class Taef2 : public ::testing::TestWithParam<DType> {};

TEST_P(Taef2, RoundTripMatchesPyTorch) {
  const Golden g = load_golden(golden_path("nn/taef2_roundtrip.safetensors"), kVersion);
  auto backend = cpu_backend(GetParam());
  const auto enc_w = open_tensor_source(shared_data_path("taef2/taef2_encoder.pth"));
  const auto dec_w = open_tensor_source(shared_data_path("taef2/taef2_decoder.pth"));
  const nn::TinyEncoder encoder(*enc_w, *backend);
  const nn::TinyDecoder decoder(*dec_w, *backend);
  EXPECT_EQ(encoder.latent_channels(), 32);  // FLUX.2 latent space
  EXPECT_EQ(decoder.latent_channels(), 32);
  const bool f32 = GetParam() == DType::F32;
  for (const char* name : {"astronaut", "chelsea", "coffee"}) {
    SCOPED_TRACE(name);
    const GoldenTensor& crop = g.at(std::string(name) + ".image");
    std::vector<float> pixels(crop.values);
    for (float& v : pixels) v /= 255.0f;
    Shape shape = to_shape(crop.shape);  // [H,W,3] -> [1,H,W,3]
    const Tensor image =
        Tensor::from_host(*backend, Shape{1, shape[0], shape[1], shape[2]}, pixels);
    const Tensor latent = encoder.encode(image);
    const Tensor decoded = decoder.decode(latent);
    // The weights are f16 (exact in f32). f32: accumulation order only; the decoded image is
    // stored as f16 (about 2.5e-4 absolute at 0.5), hence 2e-3. bf16: operands rounded in
    // every conv of ~45 layers; the images must still agree to >= 30 dB PSNR.
    EXPECT_TRUE(close_to_golden("latent", latent, g.at(std::string(name) + ".latent"),
                                f32 ? 1e-3 : 1.5e-1));
    const GoldenTensor& ref = g.at(std::string(name) + ".decoded");
    if (f32) {
      EXPECT_TRUE(close_to_golden("decoded", decoded, ref, 2e-3));
    }
    const Diff d = compare(decoded.to_host(), ref.values);
    EXPECT_GT(d.psnr(1.0), f32 ? 60.0 : 30.0) << "max |diff| " << d.max_abs;
  }
}

INSTANTIATE_TEST_SUITE_P(Compute, Taef2, ::testing::Values(DType::F32, DType::BF16), compute_name);

TEST(Taef2, RejectsBadInputs) {
  auto backend = cpu_backend(DType::F32);
  const auto dec_w = open_tensor_source(shared_data_path("taef2/taef2_decoder.pth"));
  const auto enc_w = open_tensor_source(shared_data_path("taef2/taef2_encoder.pth"));
  const nn::TinyDecoder decoder(*dec_w, *backend);
  const nn::TinyEncoder encoder(*enc_w, *backend);
  const Tensor four = Tensor::from_host(*backend, Shape{1, 2, 2, 4}, std::vector<float>(16));
  EXPECT_THROW(decoder.decode(four), std::invalid_argument);  // 4-channel (SD1) latent
  const Tensor odd = Tensor::from_host(*backend, Shape{1, 12, 16, 3}, std::vector<float>(576));
  EXPECT_THROW(encoder.encode(odd), std::invalid_argument);  // 12 % 8 != 0
}

}  // namespace
}  // namespace pixforge::testing
