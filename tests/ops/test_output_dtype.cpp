// Ops that store their result in a 16-bit type (ops::group_norm / conv2d / upsample_nearest
// with `out`): the result has that dtype, and its values are what computing in f32 and
// converting gives, so a bf16 network saves the f32 copy of a map without changing a value.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge {
namespace {

Tensor random(Backend& be, std::mt19937& rng, Shape s, DType dt, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<std::size_t>(s.numel()));
  for (float& x : v) x = d(rng);
  return Tensor::from_host(be, s, v, dt);
}

// Same dtype, shape and bytes.
void expect_identical(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.nbytes()), 0);
}

class OutputDtype : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    be = GetParam() == 0 ? make_reference_backend() : make_cpu_backend({DType::BF16, 0});
  }
  std::unique_ptr<Backend> be;
};

TEST_P(OutputDtype, GroupNormWritesTheRequestedTypeAsF32ThenConverted) {
  std::mt19937 rng(7);
  const Tensor gamma = random(*be, rng, {64}, DType::F32, 0.5f, 1.5f);
  const Tensor beta = random(*be, rng, {64}, DType::F32, -0.5f, 0.5f);
  for (DType in : {DType::F32, DType::BF16}) {
    // An offset mean, as in the VAE's maps; 12x10 positions x 64 channels in 32 groups.
    const Tensor x = random(*be, rng, {2, 12, 10, 64}, in, 1.0f, 4.0f);
    const Tensor f32 = ops::group_norm(x, 32, gamma, beta, 1e-6f, Activation::Silu);
    for (DType out : {DType::BF16, DType::F16}) {
      SCOPED_TRACE(std::string(dtype_name(in)) + " -> " + std::string(dtype_name(out)));
      const Tensor y = ops::group_norm(x, 32, gamma, beta, 1e-6f, Activation::Silu, out);
      EXPECT_EQ(y.dtype(), out);
      expect_identical(y, ops::convert(f32, out));
    }
  }
}

TEST_P(OutputDtype, ConvWritesTheRequestedTypeAsF32ThenConverted) {
  std::mt19937 rng(8);
  Conv2dSpec same;
  same.pad_top = same.pad_bottom = same.pad_left = same.pad_right = 1;
  // 32 output channels run on oneDNN; 3 on the narrow-conv kernel.
  for (std::int64_t cout : {32, 3}) {
    const Tensor w = random(*be, rng, {cout, 16, 3, 3}, DType::F32, -0.1f, 0.1f);
    const Tensor b = random(*be, rng, {cout}, DType::F32, -0.1f, 0.1f);
    const auto pw = ops::prepare_conv2d(*be, w, &b, same);
    const Tensor x = random(*be, rng, {1, 9, 11, 16}, DType::BF16, -1.0f, 1.0f);
    const Tensor f32 = ops::conv2d(x, *pw);
    SCOPED_TRACE("cout " + std::to_string(cout));
    const Tensor y = ops::conv2d(x, *pw, Activation::None, nullptr, Activation::None, DType::BF16);
    EXPECT_EQ(y.dtype(), DType::BF16);
    // The output rounding is the only difference: within one bf16 ulp (2^-7 relative at most)
    // of the f32 result, since the bf16-output kernel may sum in another order and round a
    // near-tie the other way.
    const std::vector<float> got = y.to_host(), want = f32.to_host();
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_NEAR(got[i], want[i], std::abs(want[i]) * (1.0f / 128) + 1e-30f) << i;
    }
  }
}

TEST_P(OutputDtype, UpsampleKeepsA16BitMapInItsDtype) {
  std::mt19937 rng(10);
  const Tensor x = random(*be, rng, {1, 5, 7, 24}, DType::BF16, -3.0f, 3.0f);
  const Tensor y = ops::upsample_nearest(x, 2, DType::BF16);
  EXPECT_EQ(y.dtype(), DType::BF16);
  expect_identical(y, ops::convert(ops::upsample_nearest(x, 2), DType::BF16));
  EXPECT_EQ(ops::upsample_nearest(x, 2, DType::F32).dtype(), DType::F32);
  EXPECT_THROW(ops::upsample_nearest(x, 2, DType::F16), std::invalid_argument);
}

TEST_P(OutputDtype, NonFloatOutputIsRefused) {
  std::mt19937 rng(9);
  const Tensor x = random(*be, rng, {1, 2, 2, 8}, DType::F32, 0.0f, 1.0f);
  const Tensor g = random(*be, rng, {8}, DType::F32, 0.0f, 1.0f);
  EXPECT_THROW(ops::group_norm(x, 2, g, g, 1e-5f, Activation::None, DType::I32),
               std::invalid_argument);
  const auto pw =
      ops::prepare_conv2d(*be, random(*be, rng, {4, 8, 1, 1}, DType::F32, 0, 1), nullptr, {});
  EXPECT_THROW(ops::conv2d(x, *pw, Activation::None, nullptr, Activation::None, DType::U8),
               std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(Backends, OutputDtype, ::testing::Values(0, 1),
                         [](const auto& p) { return p.param == 0 ? "reference" : "cpu"; });

}  // namespace
}  // namespace pixforge
