// Layers-model building: layer mapping, BatchNormalization/ZeroPadding folding and errors,
// on tiny in-memory models checked against hand computation on the reference backend.
#include "pixforge/tfjs/layers_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "layers_json.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge::tfjs {
namespace {

using nlohmann::json;

using layers_json::layer;
using layers_json::model_of;

HostArray arr(std::vector<std::int64_t> shape, std::vector<float> v) {
  HostArray a;
  a.shape = std::move(shape);
  a.values = std::move(v);
  return a;
}

TEST(TfjsLayersModel, conv_batchnorm_relu_concat_add_upsample) {
  // x (1x2x2x1) -> 1x1 conv (w=2, b=1) -> BN (γ=3, β=0.5, μ=1, σ²=3, ε=1) -> relu
  //   -> concat with x -> 1x1 conv summing both channels -> add x -> upsample x2.
  const json layers = json::array(
      {layer("InputLayer", "in", {{"batch_input_shape", {nullptr, nullptr, nullptr, 1}}}, {}),
       layer(
           "Conv2D", "c1",
           {{"filters", 1}, {"kernel_size", {1, 1}}, {"padding", "same"}, {"activation", "linear"}},
           {"in"}),
       layer("BatchNormalization", "bn", {{"epsilon", 1.0}}, {"c1"}),
       layer("Activation", "act", {{"activation", "relu"}}, {"bn"}),
       layer("Concatenate", "cat", {{"axis", -1}}, {"act", "in"}),
       layer("Conv2D", "c2", {{"filters", 1}, {"kernel_size", {1, 1}}, {"use_bias", false}},
             {"cat"}),
       layer("Add", "add", json::object(), {"c2", "in"}),
       layer("UpSampling2D", "up", {{"size", {2, 2}}}, {"add"})});
  WeightMap w;
  w["c1/kernel"] = arr({1, 1, 1, 1}, {2.0f});
  w["c1/bias"] = arr({1}, {1.0f});
  w["bn/gamma"] = arr({1}, {3.0f});
  w["bn/beta"] = arr({1}, {0.5f});
  w["bn/moving_mean"] = arr({1}, {1.0f});
  w["bn/moving_variance"] = arr({1}, {3.0f});
  w["c2/kernel"] = arr({1, 1, 2, 1}, {1.0f, 1.0f});
  auto backend = make_reference_backend();
  const LayersModel m = LayersModel::build(model_of(layers, "up"), w, *backend);
  const std::vector<float> x = {-2.0f, 0.0f, 1.0f, 3.0f};
  const Tensor out = m.run(Tensor::from_host(*backend, Shape{1, 2, 2, 1}, x));
  ASSERT_EQ(out.shape(), (Shape{1, 4, 4, 1}));
  const std::vector<float> y = out.to_host();
  for (int i = 0; i < 4; ++i) {
    const float bn = ((2 * x[i] + 1) - 1) * 3 / std::sqrt(3.0f + 1.0f) + 0.5f;
    const float expect = std::max(bn, 0.0f) + x[i] + x[i];
    const int r = i / 2, c = i % 2;
    EXPECT_NEAR(y[(2 * r) * 4 + 2 * c], expect, 1e-5) << i;
    EXPECT_NEAR(y[(2 * r + 1) * 4 + 2 * c + 1], expect, 1e-5) << i;
  }
}

TEST(TfjsLayersModel, zero_padding_folds_into_valid_conv_and_depthwise_maps_to_groups) {
  const json layers = json::array(
      {layer("InputLayer", "in", json::object(), {}),
       layer("ZeroPadding2D", "pad", {{"padding", {{1, 1}, {1, 1}}}}, {"in"}),
       layer("DepthwiseConv2D", "dw",
             {{"kernel_size", {3, 3}}, {"padding", "valid"}, {"use_bias", false}}, {"pad"})});
  WeightMap w;
  std::vector<float> k(3 * 3 * 2, 0.0f);
  for (int t = 0; t < 9; ++t) {
    k[t * 2 + 0] = 1.0f;                   // channel 0: box sum
    k[t * 2 + 1] = t == 4 ? -1.0f : 0.0f;  // channel 1: negated centre
  }
  w["dw/depthwise_kernel"] = arr({3, 3, 2, 1}, k);
  auto backend = make_reference_backend();
  const LayersModel m = LayersModel::build(model_of(layers, "dw"), w, *backend);
  std::vector<float> x(3 * 3 * 2);
  for (int i = 0; i < 9; ++i) {
    x[i * 2] = 1.0f;
    x[i * 2 + 1] = static_cast<float>(i);
  }
  const std::vector<float> y = m.run(Tensor::from_host(*backend, Shape{1, 3, 3, 2}, x)).to_host();
  ASSERT_EQ(y.size(), 18u);
  EXPECT_FLOAT_EQ(y[0], 4.0f);           // corner: 4 ones inside the padding
  EXPECT_FLOAT_EQ(y[4 * 2], 9.0f);       // centre
  EXPECT_FLOAT_EQ(y[4 * 2 + 1], -4.0f);  // -x at the centre
}

TEST(TfjsLayersModel, relu6_average_pool_flatten_dense_softmax) {
  const json layers = json::array(
      {layer("InputLayer", "in", json::object(), {}),
       layer("ReLU", "r6", {{"max_value", 6}}, {"in"}),
       layer("AveragePooling2D", "pool", {{"pool_size", {2, 2}}, {"strides", {2, 2}}}, {"r6"}),
       layer("Flatten", "flat", json::object(), {"pool"}),
       layer("Dense", "fc", {{"units", 2}, {"activation", "softmax"}}, {"flat"})});
  WeightMap w;
  w["fc/kernel"] = arr({1, 2}, {1.0f, -1.0f});
  w["fc/bias"] = arr({2}, {0.0f, 0.0f});
  auto backend = make_reference_backend();
  const LayersModel m = LayersModel::build(model_of(layers, "fc"), w, *backend);
  // relu6([-3, 2, 7, 10]) = [0, 2, 6, 6]; mean 3.5; softmax([3.5, -3.5]).
  const std::vector<float> y =
      m.run(Tensor::from_host(*backend, Shape{1, 2, 2, 1}, std::vector<float>{-3, 2, 7, 10}))
          .to_host();
  ASSERT_EQ(y.size(), 2u);
  EXPECT_NEAR(y[0], 1.0 / (1.0 + std::exp(-7.0)), 1e-6);
  EXPECT_NEAR(y[1], 1.0 - y[0], 1e-6);
}

// A relu after a convolution only it reads runs as the convolution's post-op; one whose
// convolution is also read elsewhere (here by an Add) must leave that other reader the
// pre-activation values.
TEST(TfjsLayersModel, activation_after_conv_fuses_only_when_alone) {
  const json layers =
      json::array({layer("InputLayer", "in", json::object(), {}),
                   layer("Conv2D", "c1",
                         {{"filters", 1}, {"kernel_size", {1, 1}}, {"use_bias", false}}, {"in"}),
                   layer("Activation", "r1", {{"activation", "relu"}}, {"c1"}),
                   layer("Conv2D", "c2",
                         {{"filters", 1}, {"kernel_size", {1, 1}}, {"use_bias", false}}, {"r1"}),
                   layer("Activation", "r2", {{"activation", "relu"}}, {"c2"}),
                   layer("Add", "add", json::object(), {"r2", "c2"})});
  WeightMap w;
  w["c1/kernel"] = arr({1, 1, 1, 1}, {-2.0f});
  w["c2/kernel"] = arr({1, 1, 1, 1}, {-1.0f});
  for (const bool cpu : {false, true}) {
    auto backend = cpu ? make_cpu_backend({.compute_type = DType::F32, .threads = 0})
                       : make_reference_backend();
    const LayersModel m = LayersModel::build(model_of(layers, "add"), w, *backend);
    const std::vector<float> y =
        m.run(Tensor::from_host(*backend, Shape{1, 1, 2, 1}, std::vector<float>{-1, 1})).to_host();
    // x = -1: c1 2, r1 2, c2 -2, r2 0 -> -2.  x = 1: c1 -2, r1 0, c2 0, r2 0 -> 0.
    ASSERT_EQ(y.size(), 2u);
    EXPECT_FLOAT_EQ(y[0], -2.0f);
    EXPECT_FLOAT_EQ(y[1], 0.0f);
  }
}

// MultiplyBeta after a linear conv folds into its weights, and the Add after it becomes the
// conv's fused residual (esrgan-thick's x + β·conv(..)); a conv also read elsewhere keeps both.
TEST(TfjsLayersModel, scale_and_add_fold_into_the_conv) {
  const json layers =
      json::array({layer("InputLayer", "in", json::object(), {}),
                   layer("Conv2D", "c1", {{"filters", 1}, {"kernel_size", {1, 1}}}, {"in"}),
                   layer("MultiplyBeta", "mb", {{"beta", 0.5}}, {"c1"}),
                   layer("Add", "a1", json::object(), {"in", "mb"}),
                   layer("Conv2D", "c2",
                         {{"filters", 1}, {"kernel_size", {1, 1}}, {"use_bias", false}}, {"a1"}),
                   layer("Add", "a2", json::object(), {"c2", "a1"}),
                   layer("Add", "a3", json::object(), {"a2", "c2"})});
  WeightMap w;
  w["c1/kernel"] = arr({1, 1, 1, 1}, {2.0f});
  w["c1/bias"] = arr({1}, {1.0f});
  w["c2/kernel"] = arr({1, 1, 1, 1}, {3.0f});
  for (const bool cpu : {false, true}) {
    auto backend = cpu ? make_cpu_backend({.compute_type = DType::F32, .threads = 0})
                       : make_reference_backend();
    const LayersModel m = LayersModel::build(model_of(layers, "a3"), w, *backend);
    const std::vector<float> x = {-1.5f, 0.25f, 2.0f};
    const std::vector<float> y = m.run(Tensor::from_host(*backend, Shape{1, 1, 3, 1}, x)).to_host();
    ASSERT_EQ(y.size(), 3u);
    for (int i = 0; i < 3; ++i) {
      const float a1 = x[i] + 0.5f * (2 * x[i] + 1), c2 = 3 * a1;
      EXPECT_FLOAT_EQ(y[i], (c2 + a1) + c2) << i;
    }
  }
}

TEST(TfjsLayersModel, unsupported_layers_are_named) {
  auto error_of = [](const json& l) {
    const json layers = json::array({layer("InputLayer", "in", json::object(), {}), l});
    auto backend = make_reference_backend();
    try {
      LayersModel::build(model_of(layers, l["name"]), WeightMap{}, *backend);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of(layer("LSTM", "rnn", json::object(), {"in"})).find("\"LSTM\""),
            std::string::npos);
  EXPECT_NE(error_of(layer("ReLU", "leaky", {{"negative_slope", 0.1}}, {"in"})).find("leaky"),
            std::string::npos);
  EXPECT_NE(
      error_of(layer("AveragePooling2D", "p", {{"pool_size", {3, 3}}, {"padding", "full"}}, {"in"}))
          .find("padding \"full\""),
      std::string::npos);
  EXPECT_NE(
      error_of(layer("MaxPooling2D", "p", {{"pool_size", {0, 3}}}, {"in"})).find("bad pool size"),
      std::string::npos);
  EXPECT_NE(error_of(layer("Activation", "a", {{"activation", "elu"}}, {"in"})).find("elu"),
            std::string::npos);
  EXPECT_NE(error_of(layer("Conv2D", "c", {{"filters", 1}, {"kernel_size", {1, 1}}}, {"in"}))
                .find("\"c/kernel\" is missing"),
            std::string::npos);
  EXPECT_NE(error_of(layer("Add", "a", json::object(), {"nope"})).find("\"nope\""),
            std::string::npos);
}

}  // namespace
}  // namespace pixforge::tfjs
