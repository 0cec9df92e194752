// One prepared weight used at many input shapes: oneDNN may want a different blocked layout
// per shape (CpuWeight::weights_as reorders once per layout), and every shape must still agree
// with the reference backend.
#include <gtest/gtest.h>
#include <omp.h>

#include "op_cases.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge {
namespace {

std::vector<float> run_conv(Backend& be, const std::vector<float>& w, const std::vector<float>& x,
                            Shape xs, std::int64_t c) {
  Tensor wt = Tensor::from_host(be, {c, c, 3, 3}, w);
  auto pw = ops::prepare_conv2d(be, wt, nullptr, {1, 1, 1, 1, 1, 1, 1, 1, 1});
  return ops::conv2d(Tensor::from_host(be, xs, x), *pw).to_host();
}

class WeightLayouts : public ::testing::TestWithParam<DType> {};

TEST_P(WeightLayouts, ConvWeightReusedAcrossSpatialSizes) {
  auto cpu = make_cpu_backend({GetParam(), 0});
  auto ref = make_reference_backend();
  constexpr std::int64_t c = 64;
  std::mt19937 rng(3);
  const std::vector<float> w =
      testing::random_tensor(*ref, rng, {c, c, 3, 3}, DType::F32, -0.05f, 0.05f).to_host();
  auto pw = ops::prepare_conv2d(*cpu, Tensor::from_host(*cpu, {c, c, 3, 3}, w), nullptr,
                                {1, 1, 1, 1, 1, 1, 1, 1, 1});
  // Same prepared weight, shapes that select different oneDNN kernels and layouts.
  for (Shape xs : {Shape{1, 8, 8, c}, Shape{2, 48, 40, c}, Shape{1, 17, 5, c}, Shape{1, 1, 1, c}}) {
    const std::vector<float> x = testing::random_tensor(*ref, rng, xs).to_host();
    const std::vector<float> expected = run_conv(*ref, w, x, xs, c);
    const std::vector<float> actual = ops::conv2d(Tensor::from_host(*cpu, xs, x), *pw).to_host();
    // Tolerances: see kExact / kBf16 in op_cases.h.
    EXPECT_LE(testing::nmse(actual, expected),
              GetParam() == DType::F32 ? testing::kExact : testing::kBf16)
        << "input " << xs.str();
  }
}

TEST_P(WeightLayouts, LinearWeightReusedAcrossRowCounts) {
  auto cpu = make_cpu_backend({GetParam(), 0});
  auto ref = make_reference_backend();
  std::mt19937 rng(5);
  const std::vector<float> w =
      testing::random_tensor(*ref, rng, {96, 80}, DType::F32, -0.1f, 0.1f).to_host();
  auto pc = ops::prepare_linear(*cpu, Tensor::from_host(*cpu, {96, 80}, w), nullptr);
  auto pr = ops::prepare_linear(*ref, Tensor::from_host(*ref, {96, 80}, w), nullptr);
  for (std::int64_t m : {1, 77, 300, 2048, 77}) {
    const std::vector<float> x = testing::random_tensor(*ref, rng, {m, 80}).to_host();
    const auto expected = ops::linear(Tensor::from_host(*ref, {m, 80}, x), *pr).to_host();
    const auto actual = ops::linear(Tensor::from_host(*cpu, {m, 80}, x), *pc).to_host();
    EXPECT_LE(testing::nmse(actual, expected),
              GetParam() == DType::F32 ? testing::kExact : testing::kBf16)
        << "rows " << m;
  }
}

TEST(WeightLayouts, BackendReportsItsComputeType) {
  EXPECT_EQ(make_cpu_backend({DType::F32, 0})->compute_type(), DType::F32);
  // This project's CI machine has avx512_bf16; elsewhere the backend falls back to f32.
  const DType bf16 = make_cpu_backend({DType::BF16, 0})->compute_type();
  EXPECT_TRUE(bf16 == DType::BF16 || bf16 == DType::F32);
  EXPECT_EQ(make_reference_backend()->compute_type(), DType::F32);
  EXPECT_EQ(make_cpu_backend()->name(), "cpu");
  EXPECT_EQ(make_reference_backend()->name(), "reference");
}

INSTANTIATE_TEST_SUITE_P(Compute, WeightLayouts, ::testing::Values(DType::F32, DType::BF16),
                         [](const auto& p) { return std::string(dtype_name(p.param)); });

}  // namespace
}  // namespace pixforge

namespace pixforge {
namespace {

// bf16 mode must really compute in bf16 (not silently in f32): its conv/attention results
// differ from the f32 ones by bf16-sized errors, while staying within kBf16.
TEST(ComputeType, Bf16ModeRoundsOperandsToBf16) {
  auto bf16 = make_cpu_backend({DType::BF16, 0});
  if (bf16->compute_type() != DType::BF16) GTEST_SKIP() << "this CPU has no avx512_bf16";
  auto f32 = make_cpu_backend({DType::F32, 0});
  std::mt19937 rng(11);
  auto ref = make_reference_backend();
  const std::vector<float> w =
      testing::random_tensor(*ref, rng, {32, 32, 3, 3}, DType::F32, -0.1f, 0.1f).to_host();
  const std::vector<float> x = testing::random_tensor(*ref, rng, {1, 12, 12, 32}).to_host();
  auto run = [&](Backend& be) {
    auto pw = ops::prepare_conv2d(be, Tensor::from_host(be, {32, 32, 3, 3}, w), nullptr,
                                  {1, 1, 1, 1, 1, 1, 1, 1, 1});
    return ops::conv2d(Tensor::from_host(be, {1, 12, 12, 32}, x), *pw).to_host();
  };
  const double err = testing::nmse(run(*bf16), run(*f32));
  EXPECT_GT(err, 1e-8) << "bf16 mode gave f32-exact results";
  EXPECT_LT(err, testing::kBf16);
}

}  // namespace
}  // namespace pixforge

namespace pixforge {
namespace {

// The threads option changes how work is split, never the result beyond summation order.
TEST(Threads, OneThreadMatchesDefault) {
  auto one = make_cpu_backend({DType::F32, 1});
  auto all = make_cpu_backend({DType::F32, 0});
  std::mt19937 rng(13);
  auto ref = make_reference_backend();
  const std::vector<float> q = testing::random_tensor(*ref, rng, {1, 150, 64}).to_host();
  auto run = [&](Backend& be) {
    Tensor t = Tensor::from_host(be, {1, 150, 64}, q);
    return ops::attention(t, t, t, 2, 0.125f).to_host();
  };
  const int default_threads = omp_get_max_threads();
  const std::vector<float> first = run(*all);
  EXPECT_LE(testing::nmse(run(*one), first), testing::kExact);
  EXPECT_EQ(omp_get_max_threads(), 1) << "threads = 1 applies on the computing thread";
  run(*all);
  EXPECT_EQ(omp_get_max_threads(), default_threads) << "threads = 0 restores the default";
}

}  // namespace
}  // namespace pixforge
