// The reference backend (the oracle) and the CPU backend against values computed by hand, run
// end to end through ops.h so dispatch and output allocation are covered too.
#include <gtest/gtest.h>

#include <cmath>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge {
namespace {

std::vector<std::unique_ptr<Backend>> all_backends() {
  std::vector<std::unique_ptr<Backend>> v;
  v.push_back(make_reference_backend());
  v.push_back(make_cpu_backend({DType::F32, 0}));
  v.push_back(make_cpu_backend({DType::BF16, 0}));
  return v;
}

// Small integers are exact in bf16, so every backend must reproduce these exactly.
TEST(HandValues, Conv2d3x3WithPaddingBiasAndResidual) {
  for (auto& be : all_backends()) {
    // x: 1x3x3x1 = 1..9; w: 3x3 all ones; pad 1 -> each output is the sum of its neighbourhood.
    Tensor x = Tensor::from_host(*be, {1, 3, 3, 1}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9});
    Tensor w = Tensor::from_host(*be, {1, 1, 3, 3}, std::vector<float>(9, 1.0f));
    Tensor b = Tensor::from_host(*be, {1}, std::vector<float>{10});
    Tensor r = Tensor::from_host(*be, {1, 3, 3, 1}, std::vector<float>(9, 100.0f));
    auto pw = ops::prepare_conv2d(*be, w, &b, {1, 1, 1, 1, 1, 1, 1, 1, 1});
    const std::vector<float> y = ops::conv2d(x, *pw, Activation::None, &r).to_host();
    const std::vector<float> expected = {122, 131, 126, 137, 155, 143, 134, 149, 138};
    EXPECT_EQ(y, expected) << be->name() << " " << dtype_name(be->compute_type());
  }
}

TEST(HandValues, Conv2dStride2AsymmetricPadTwoChannels) {
  for (auto& be : all_backends()) {
    // x 1x2x2x2 (NHWC), w [1, 2, 1, 1] = (1, -1): y = x[...,0] - x[...,1] at stride 2 with
    // pad right/bottom 1 -> output 2x2 of which (0,0) sees data and the rest sees padding.
    Tensor x = Tensor::from_host(*be, {1, 2, 2, 2}, std::vector<float>{5, 1, 7, 2, 9, 3, 4, 8});
    Tensor w = Tensor::from_host(*be, {1, 2, 1, 1}, std::vector<float>{1, -1});
    auto pw = ops::prepare_conv2d(*be, w, nullptr, {2, 2, 0, 1, 0, 1, 1, 1, 1});
    Tensor y = ops::conv2d(x, *pw);
    EXPECT_EQ(y.shape(), (Shape{1, 2, 2, 1}));
    EXPECT_EQ(y.to_host(), (std::vector<float>{4, 0, 0, 0})) << be->name();
  }
}

TEST(HandValues, AttentionOfTwoTokens) {
  for (auto& be : all_backends()) {
    // One head, D = 1: q = [0, 1], k = [0, 1] (scale ln 3), v = [[2], [6]].
    // Query 0 sees scores (0, 0) -> mean 4. Query 1: scores (0, ln 3) -> weights (1/4, 3/4) -> 5.
    const float s = std::log(3.0f);
    Tensor q = Tensor::from_host(*be, {1, 2, 1}, std::vector<float>{0, 1});
    Tensor k = Tensor::from_host(*be, {1, 2, 1}, std::vector<float>{0, 1});
    Tensor v = Tensor::from_host(*be, {1, 2, 1}, std::vector<float>{2, 6});
    const std::vector<float> y = ops::attention(q, k, v, 1, s).to_host();
    const float tol = be->compute_type() == DType::F32 ? 1e-5f : 3e-2f;  // ln 3 rounded to bf16
    EXPECT_NEAR(y[0], 4.0f, tol) << be->name();
    EXPECT_NEAR(y[1], 5.0f, tol) << be->name();
    // Causal: query 0 sees only key 0.
    const std::vector<float> yc = ops::attention(q, k, v, 1, s, true).to_host();
    EXPECT_NEAR(yc[0], 2.0f, tol) << be->name();
    EXPECT_NEAR(yc[1], 5.0f, tol) << be->name();
  }
}

TEST(HandValues, GroupNormAndLayerNorm) {
  for (auto& be : all_backends()) {
    // Two groups of two channels over 1x1x2 spatial: group values {1,3,5,7} -> mean 4, var 5.
    Tensor x = Tensor::from_host(*be, {1, 1, 2, 4}, std::vector<float>{1, 3, 0, 0, 5, 7, 0, 0});
    Tensor g = Tensor::from_host(*be, {4}, std::vector<float>{1, 1, 1, 1});
    Tensor b = Tensor::from_host(*be, {4}, std::vector<float>{0, 0, 0, 0});
    const std::vector<float> y = ops::group_norm(x, 2, g, b, 0.0f + 1e-12f).to_host();
    EXPECT_NEAR(y[0], -3.0f / std::sqrt(5.0f), 1e-5f) << be->name();
    EXPECT_NEAR(y[5], 3.0f / std::sqrt(5.0f), 1e-5f) << be->name();
    EXPECT_NEAR(y[2], 0.0f, 1e-5f) << be->name();  // constant group normalises to 0 (+beta)
    Tensor row = Tensor::from_host(*be, {1, 4}, std::vector<float>{1, 2, 3, 4});
    const std::vector<float> ln = ops::layer_norm(row, g, b, 1e-12f).to_host();
    EXPECT_NEAR(ln[0], -1.5f / std::sqrt(1.25f), 1e-5f) << be->name();
  }
}

TEST(HandValues, ElementwiseLayoutAndConvert) {
  for (auto& be : all_backends()) {
    Tensor a = Tensor::from_host(*be, {2, 2}, std::vector<float>{1, 2, 3, 4});
    Tensor row = Tensor::from_host(*be, {2}, std::vector<float>{10, 20});
    EXPECT_EQ(ops::add(a, row).to_host(), (std::vector<float>{11, 22, 13, 24}));
    EXPECT_EQ(ops::mul(a, row).to_host(), (std::vector<float>{10, 40, 30, 80}));
    EXPECT_EQ(ops::scale_bias(a, 2, 1).to_host(), (std::vector<float>{3, 5, 7, 9}));
    EXPECT_EQ(ops::concat({a, a}, 1).to_host(), (std::vector<float>{1, 2, 1, 2, 3, 4, 3, 4}));
    EXPECT_EQ(ops::concat({a, row.reshape({1, 2})}, 0).to_host(),
              (std::vector<float>{1, 2, 3, 4, 10, 20}));
    Tensor img = Tensor::from_host(*be, {1, 1, 2, 1}, std::vector<float>{1, 2});
    EXPECT_EQ(ops::upsample_nearest(img, 2).to_host(),
              (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2}));
    // To 2·in − 1 (a UNet skip of odd size): 2x nearest without the last row/column.
    Tensor quad = Tensor::from_host(*be, {1, 2, 2, 1}, std::vector<float>{1, 2, 3, 4});
    EXPECT_EQ(ops::upsample_nearest(quad, 3, 3).to_host(),
              (std::vector<float>{1, 1, 2, 1, 1, 2, 3, 3, 4}));
    Tensor s = ops::softmax(Tensor::from_host(*be, {1, 2}, std::vector<float>{0, std::log(3.0f)}));
    EXPECT_NEAR(s.to_host()[1], 0.75f, 1e-6f);
    Tensor half = ops::convert(a, DType::BF16);
    EXPECT_EQ(half.dtype(), DType::BF16);
    EXPECT_EQ(half.to_host(), (std::vector<float>{1, 2, 3, 4}));
    Tensor gg = ops::geglu(Tensor::from_host(*be, {1, 2}, std::vector<float>{3, 1}));
    EXPECT_NEAR(gg.to_host()[0], 3.0f * 0.8413447f, 1e-5f);  // 3 * gelu(1) = 3 * Phi(1)
    Tensor lin_x = Tensor::from_host(*be, {1, 2}, std::vector<float>{1, 2});
    Tensor lin_w = Tensor::from_host(*be, {2, 2}, std::vector<float>{1, 1, 1, -1});
    auto pw = ops::prepare_linear(*be, lin_w, nullptr);
    EXPECT_EQ(ops::linear(lin_x, *pw, Activation::Relu).to_host(), (std::vector<float>{3, 0}));
  }
}

}  // namespace
}  // namespace pixforge
