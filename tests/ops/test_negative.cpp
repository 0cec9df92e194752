// Malformed calls: a clear exception naming the op (never a crash), and supports_op() false.
#include <gtest/gtest.h>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge {
namespace {

template <class Fn>
void expect_error_mentioning(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no exception; expected one mentioning '" << needle << "'";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

class Negative : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    be = GetParam() == 0 ? make_reference_backend() : make_cpu_backend({DType::BF16, 0});
  }
  Tensor zeros(Shape s, DType dt = DType::F32) {
    return Tensor::from_host(*be, s, std::vector<float>(static_cast<std::size_t>(s.numel())), dt);
  }
  std::unique_ptr<Backend> be;
};

TEST_P(Negative, ConvChannelMismatchAndBadSpec) {
  Tensor w = zeros({4, 3, 3, 3});
  auto pw = ops::prepare_conv2d(*be, w, nullptr, {});
  expect_error_mentioning([&] { ops::conv2d(zeros({1, 5, 5, 4}), *pw); }, "conv2d");
  expect_error_mentioning([&] { ops::conv2d(zeros({5, 5, 3}), *pw); }, "NHWC");
  expect_error_mentioning([&] { ops::conv2d(zeros({1, 2, 2, 3}), *pw); }, "larger than");
  expect_error_mentioning([&] { ops::prepare_conv2d(*be, w, nullptr, {0, 1}); }, "stride");
  expect_error_mentioning([&] { ops::prepare_conv2d(*be, zeros({4, 3}), nullptr, {}); }, "OIHW");
  Conv2dSpec g3;
  g3.groups = 3;
  expect_error_mentioning([&] { ops::prepare_conv2d(*be, w, nullptr, g3); }, "groups");
  Tensor bad_bias = zeros({5});
  expect_error_mentioning([&] { ops::prepare_conv2d(*be, w, &bad_bias, {}); }, "bias");
}

TEST_P(Negative, LinearAndResidualShapes) {
  auto pw = ops::prepare_linear(*be, zeros({6, 4}), nullptr);
  expect_error_mentioning([&] { ops::linear(zeros({2, 5}), *pw); }, "linear");
  Tensor wrong_res = zeros({2, 5});
  expect_error_mentioning(
      [&] {
        ops::linear(zeros({2, 4}), *pw, Activation::None, &wrong_res);
      },
      "residual");
}

TEST_P(Negative, NormsAttentionBroadcastConcat) {
  Tensor c8 = zeros({8});
  expect_error_mentioning(
      [&] {
        ops::group_norm(zeros({1, 2, 2, 8}), 3, c8, c8, 1e-5f);
      },
      "groups");
  expect_error_mentioning([&] { ops::layer_norm(zeros({2, 7}), c8, c8, 1e-5f); }, "gamma");
  expect_error_mentioning(
      [&] {
        ops::attention(zeros({1, 4, 8}), zeros({1, 4, 6}), zeros({1, 4, 8}), 2, 1);
      },
      "attention");
  expect_error_mentioning(
      [&] {
        ops::attention(zeros({1, 4, 9}), zeros({1, 4, 9}), zeros({1, 4, 9}), 2, 1);
      },
      "heads");
  expect_error_mentioning([&] { ops::add(zeros({2, 3}), zeros({2})); }, "trailing");
  expect_error_mentioning([&] { ops::concat({zeros({2, 3}), zeros({3, 3})}, 1); }, "concat");
  expect_error_mentioning([&] { ops::concat({zeros({2, 3})}, 0); }, "2 to 4");
  expect_error_mentioning([&] { ops::geglu(zeros({2, 3})); }, "even");
  expect_error_mentioning([&] { ops::convert(zeros({2}), DType::I32); }, "i32");
  expect_error_mentioning([&] { ops::group_norm(zeros({1, 2, 2, 8}), 2, c8, c8, 0.0f); }, "eps");
  expect_error_mentioning([&] { ops::upsample_nearest(zeros({1, 2, 2, 8}), 0); }, "factor");
  expect_error_mentioning([&] { ops::upsample_nearest(zeros({2, 2, 8}), 2); }, "NHWC");
  expect_error_mentioning([&] { ops::upsample_nearest(zeros({1, 2, 2, 8}), 0, 3); }, "output size");
  expect_error_mentioning([&] { ops::concat({zeros({2, 3}), zeros({2, 3})}, 2); }, "axis");
  const std::int32_t raw[2] = {1, 2};
  Tensor ints = Tensor::from_host_raw(*be, {1, 2}, DType::I32, raw);
  expect_error_mentioning([&] { ops::softmax(ints); }, "only f32, f16 and bf16");
  expect_error_mentioning([&] { ops::softmax(Tensor()); }, "undefined");
}

TEST_P(Negative, SupportsOpIsFalseAndComputeThrowsUnsupported) {
  Tensor a = zeros({2, 3}), b = zeros({4});
  Tensor out = zeros({2, 3});
  OpCall call;
  call.kind = OpKind::Add;
  call.in = {&a, &b, nullptr, nullptr};
  call.out = &out;
  EXPECT_FALSE(be->supports_op(call));
  EXPECT_THROW(be->compute(call), UnsupportedOp);
  call.in[1] = &a;
  Tensor wrong_out = zeros({3, 2});
  call.out = &wrong_out;
  EXPECT_FALSE(be->supports_op(call)) << "output shape must match";
  call.out = &out;
  EXPECT_TRUE(be->supports_op(call));
  OpCall no_weight;
  no_weight.kind = OpKind::Linear;
  no_weight.in[0] = &a;
  no_weight.out = &out;
  EXPECT_FALSE(be->supports_op(no_weight));
}

TEST_P(Negative, TensorsFromAnotherBackendAreRejected) {
  auto other = make_reference_backend();
  Tensor a = zeros({2, 3});
  Tensor b = Tensor::from_host(*other, {2, 3}, std::vector<float>(6));
  expect_error_mentioning([&] { ops::add(a, b); }, "different backends");
  auto pw = ops::prepare_linear(*other, b, nullptr);
  expect_error_mentioning([&] { ops::linear(zeros({1, 3}), *pw); }, "different backend");
}

INSTANTIATE_TEST_SUITE_P(Backends, Negative, ::testing::Values(0, 1),
                         [](const auto& p) { return p.param == 0 ? "reference" : "cpu"; });

}  // namespace
}  // namespace pixforge
