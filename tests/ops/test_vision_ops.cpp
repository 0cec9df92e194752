// The vision ops (pooling, pad, depth-to-space, clip / relu6, mean over H and W) against values
// worked out by hand from TensorFlow's definitions, on every backend, through ops.h; and their
// malformed calls. Small integers and halves are exact in bf16, so all backends must agree
// exactly.
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

std::vector<float> iota(int n, float start = 1.0f, float step = 1.0f) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = start + step * static_cast<float>(i);
  return v;
}

TEST(VisionOps, Pool2dSpecFollowsTfSame) {
  // in 3, k 2, s 2: out 2, total pad 1, all of it after.
  Pool2dSpec p = ops::pool2d_spec(3, 8, 2, 3, 2, 2, ops::Padding::Same);
  EXPECT_EQ(p.pad_top, 0);
  EXPECT_EQ(p.pad_bottom, 1);
  // in 8, k 3, s 2: out 4, total pad 1 -> (0, 1).
  EXPECT_EQ(p.pad_left, 0);
  EXPECT_EQ(p.pad_right, 1);
  // in 7, k 3, s 2: out 4, total pad 2 -> (1, 1); in 5, k 5, s 1: total 4 -> (2, 2).
  p = ops::pool2d_spec(7, 5, 3, 5, 2, 1, ops::Padding::Same);
  EXPECT_EQ(p.pad_top, 1);
  EXPECT_EQ(p.pad_bottom, 1);
  EXPECT_EQ(p.pad_left, 2);
  EXPECT_EQ(p.pad_right, 2);
  // A stride larger than the kernel needs no padding: in 6, k 1, s 4 -> out 2.
  p = ops::pool2d_spec(6, 6, 1, 1, 4, 4, ops::Padding::Same);
  EXPECT_EQ(p.pad_bottom, 0);
  p = ops::pool2d_spec(7, 7, 7, 7, 1, 1, ops::Padding::Valid);
  EXPECT_EQ(p.pad_top + p.pad_bottom + p.pad_left + p.pad_right, 0);
}

TEST(VisionOps, AvgPoolSameExcludesPadding) {
  for (auto& be : all_backends()) {
    // 3x3 window, stride 1, SAME over 1..9: each output is the mean of its in-image neighbours.
    const Tensor x = Tensor::from_host(*be, {1, 3, 3, 1}, iota(9));
    const Tensor y = ops::avg_pool2d(x, ops::pool2d_spec(3, 3, 3, 3, 1, 1, ops::Padding::Same));
    EXPECT_EQ(y.shape(), (Shape{1, 3, 3, 1}));
    EXPECT_EQ(y.to_host(), (std::vector<float>{3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7})) << be->name();
  }
}

TEST(VisionOps, MaxPoolSameIgnoresPadding) {
  for (auto& be : all_backends()) {
    // 2x2/2 SAME over a 3x3 map of -1..-9 pads one row and column at the end; a padding value
    // of 0 taking part would turn the edge outputs into 0.
    const Tensor x = Tensor::from_host(*be, {1, 3, 3, 1}, iota(9, -1.0f, -1.0f));
    const Tensor y = ops::max_pool2d(x, ops::pool2d_spec(3, 3, 2, 2, 2, 2, ops::Padding::Same));
    EXPECT_EQ(y.shape(), (Shape{1, 2, 2, 1}));
    EXPECT_EQ(y.to_host(), (std::vector<float>{-1, -3, -7, -9})) << be->name();
  }
}

TEST(VisionOps, PoolsPerChannelAndBatch) {
  for (auto& be : all_backends()) {
    // [2, 2, 2, 2] VALID 2x2: one window per image; channel c of image b holds b*8 + 2*p + c.
    const Tensor x = Tensor::from_host(*be, {2, 2, 2, 2}, iota(16, 0.0f));
    const Pool2dSpec p = ops::pool2d_spec(2, 2, 2, 2, 2, 2, ops::Padding::Valid);
    EXPECT_EQ(ops::max_pool2d(x, p).to_host(), (std::vector<float>{6, 7, 14, 15})) << be->name();
    EXPECT_EQ(ops::avg_pool2d(x, p).to_host(), (std::vector<float>{3, 4, 11, 12})) << be->name();
    EXPECT_EQ(ops::mean_hw(x).shape(), (Shape{2, 1, 1, 2}));
    EXPECT_EQ(ops::mean_hw(x).to_host(), (std::vector<float>{3, 4, 11, 12})) << be->name();
  }
}

TEST(VisionOps, DepthToSpaceIsTfDcrOrder) {
  for (auto& be : all_backends()) {
    // TensorFlow's documented example: [1, 2, 2, 4] with block 2 -> [1, 4, 4, 1].
    const Tensor x = Tensor::from_host(*be, {1, 2, 2, 4}, iota(16));
    const Tensor y = ops::depth_to_space(x, 2);
    EXPECT_EQ(y.shape(), (Shape{1, 4, 4, 1}));
    EXPECT_EQ(y.to_host(),
              (std::vector<float>{1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 13, 14, 11, 12, 15, 16}))
        << be->name();
    // Depth 12 -> 3 channels per output pixel, kept together: [1, 1, 1, 12] -> [1, 2, 2, 3].
    const Tensor z = ops::depth_to_space(Tensor::from_host(*be, {1, 1, 1, 12}, iota(12)), 2);
    EXPECT_EQ(z.shape(), (Shape{1, 2, 2, 3}));
    EXPECT_EQ(z.to_host(), iota(12)) << be->name();
  }
}

TEST(VisionOps, PadConstantPerSide) {
  for (auto& be : all_backends()) {
    // [1, 1, 2, 2] padded one column on the left and two channels at the end with 9.
    const Tensor x = Tensor::from_host(*be, {1, 1, 2, 2}, std::vector<float>{1, 2, 3, 4});
    const Tensor y = ops::pad(x, {{{0, 0}, {0, 0}, {1, 0}, {0, 2}}}, 9.0f);
    EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 4}));
    EXPECT_EQ(y.to_host(), (std::vector<float>{9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9})) << be->name();
  }
}

TEST(VisionOps, ClipAndRelu6AlsoFused) {
  for (auto& be : all_backends()) {
    const Tensor x = Tensor::from_host(*be, {1, 1, 1, 4}, std::vector<float>{-3, 2, 6.5, 9});
    EXPECT_EQ(ops::clip(x, -1.0f, 3.0f).to_host(), (std::vector<float>{-1, 2, 3, 3}));
    EXPECT_EQ(ops::activation(x, Activation::Relu6).to_host(), (std::vector<float>{0, 2, 6, 6}));
    // Depthwise 1x1 conv with weight 2 and bias 1, relu6 fused: 2x + 1 clamped to [0, 6].
    const Tensor w = Tensor::from_host(*be, {4, 1, 1, 1}, std::vector<float>(4, 2.0f));
    const Tensor b = Tensor::from_host(*be, {4}, std::vector<float>(4, 1.0f));
    Conv2dSpec dw;
    dw.groups = 4;
    const auto pw = ops::prepare_conv2d(*be, w, &b, dw);
    EXPECT_EQ(ops::conv2d(x, *pw, Activation::Relu6).to_host(), (std::vector<float>{0, 5, 6, 6}))
        << be->name() << " " << dtype_name(be->compute_type());
    const Tensor b1 = b.slice0(0, 1);
    const auto pl =
        ops::prepare_linear(*be, Tensor::from_host(*be, {1, 1}, std::vector<float>{2}), &b1);
    EXPECT_EQ(ops::linear(x.reshape({4, 1}), *pl, Activation::Relu6).to_host(),
              (std::vector<float>{0, 5, 6, 6}))
        << be->name();
  }
}

TEST(VisionOps, PostResidualActivation) {
  for (auto& be : all_backends()) {
    // relu(relu(2x + 1) + r) and relu(2x + 1 + r): the order of activation and residual shows.
    const Tensor x = Tensor::from_host(*be, {1, 1, 1, 4}, std::vector<float>{-3, 2, 1, -1});
    const Tensor r = Tensor::from_host(*be, {1, 1, 1, 4}, std::vector<float>{1, -8, 2, -0.5f});
    const Tensor w = Tensor::from_host(*be, {4, 1, 1, 1}, std::vector<float>(4, 2.0f));
    const Tensor b = Tensor::from_host(*be, {4}, std::vector<float>(4, 1.0f));
    Conv2dSpec dw;
    dw.groups = 4;
    const auto pw = ops::prepare_conv2d(*be, w, &b, dw);
    EXPECT_EQ(ops::conv2d(x, *pw, Activation::Relu, &r, Activation::Relu).to_host(),
              (std::vector<float>{1, 0, 5, 0}))
        << be->name();
    EXPECT_EQ(ops::conv2d(x, *pw, Activation::None, &r, Activation::Relu).to_host(),
              (std::vector<float>{0, 0, 5, 0}))
        << be->name();
    const Tensor b1 = b.slice0(0, 1);
    const auto pl =
        ops::prepare_linear(*be, Tensor::from_host(*be, {1, 1}, std::vector<float>{2}), &b1);
    const Tensor r4 = r.reshape({4, 1});
    EXPECT_EQ(
        ops::linear(x.reshape({4, 1}), *pl, Activation::None, &r4, Activation::Relu6).to_host(),
        (std::vector<float>{0, 0, 5, 0}))
        << be->name();
  }
}

template <class Fn>
void expect_error_mentioning(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no exception; expected one mentioning '" << needle << "'";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

class VisionOpsNegative : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    be = GetParam() == 0 ? make_reference_backend() : make_cpu_backend({DType::BF16, 0});
  }
  Tensor zeros(Shape s) {
    return Tensor::from_host(*be, s, std::vector<float>(static_cast<std::size_t>(s.numel())));
  }
  std::unique_ptr<Backend> be;
};

TEST_P(VisionOpsNegative, PoolingGeometry) {
  const Tensor x = zeros({1, 4, 4, 3});
  expect_error_mentioning([&] { ops::max_pool2d(zeros({4, 4, 3}), {}); }, "NHWC");
  expect_error_mentioning([&] { ops::avg_pool2d(x, {2, 2, 0, 1}); }, "stride");
  expect_error_mentioning([&] { ops::max_pool2d(x, {2, 2, 2, 2, 2, 0, 0, 0}); }, "smaller than");
  expect_error_mentioning([&] { ops::avg_pool2d(x, {5, 5, 1, 1}); }, "larger than");
  expect_error_mentioning([&] { ops::pool2d_spec(3, 3, 4, 4, 1, 1, ops::Padding::Valid); },
                          "larger than");
  expect_error_mentioning([&] { ops::pool2d_spec(3, 3, 0, 2, 1, 1, ops::Padding::Same); },
                          "kernel");
}

TEST_P(VisionOpsNegative, LayoutAndReductions) {
  const Tensor x = zeros({1, 2, 2, 6});
  expect_error_mentioning([&] { ops::pad(x, {{{0, 0}, {1, 1}}}); }, "one per dim");
  expect_error_mentioning([&] { ops::pad(x, {{{0, 0}, {0, 0}, {-1, 0}, {0, 0}}}); }, ">= 0");
  expect_error_mentioning(
      [&] {
        ops::pad(x, {{{0, 0}, {0, 0}, {0, std::int64_t{1} << 40}, {0, 0}}});
      },
      "absurdly");
  expect_error_mentioning([&] { ops::depth_to_space(x, 2); }, "blocks");
  expect_error_mentioning([&] { ops::depth_to_space(x, 0); }, "block size");
  expect_error_mentioning([&] { ops::depth_to_space(zeros({2, 2, 4}), 2); }, "NHWC");
  expect_error_mentioning([&] { ops::clip(x, 1.0f, -1.0f); }, "not ordered");
  expect_error_mentioning([&] { ops::clip(x, std::nanf(""), 1.0f); }, "not ordered");
  expect_error_mentioning([&] { ops::mean_hw(zeros({2, 6})); }, "NHWC");
  {
    OpCall call;
    call.kind = OpKind::Add;
    call.in = {&x, &x, nullptr, nullptr};
    call.params.post_act = Activation::Relu;
    expect_error_mentioning([&] { op_output_shape(call); }, "post-residual");
  }
  expect_error_mentioning([&] { ops::mean_hw(zeros({1, 0, 2, 6})); }, "empty");
  // Integer tensors are not op inputs.
  std::vector<std::int32_t> ints(24);
  const Tensor xi = Tensor::from_host_raw(*be, {1, 2, 2, 6}, DType::I32, ints.data());
  expect_error_mentioning([&] { ops::max_pool2d(xi, {}); }, "dtype");
}

TEST_P(VisionOpsNegative, SupportsOpIsFalseForMalformedCalls) {
  const Tensor x = zeros({1, 3, 3, 4});
  Tensor out = zeros({1, 2, 2, 4});
  OpCall call;
  call.kind = OpKind::MaxPool2d;
  call.in[0] = &x;
  call.out = &out;
  call.params.pool = {2, 2, 2, 2, 0, 1, 0, 1};
  EXPECT_TRUE(be->supports_op(call));
  call.params.pool.pad_bottom = 2;  // not smaller than the kernel
  EXPECT_FALSE(be->supports_op(call));
  EXPECT_THROW(be->compute(call), UnsupportedOp);
  call.kind = OpKind::DepthToSpace;
  call.params.factor = 3;  // 4 channels do not split into 3x3 blocks
  EXPECT_FALSE(be->supports_op(call));
}

INSTANTIATE_TEST_SUITE_P(Backends, VisionOpsNegative, ::testing::Values(0, 1));

}  // namespace
}  // namespace pixforge
