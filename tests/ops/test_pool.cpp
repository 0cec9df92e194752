// The pooled arena: released buffers are reused, so repeating an identical sequence of ops
// makes no fresh allocations.
#include <gtest/gtest.h>

#include "op_cases.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge {
namespace {

// A miniature resnet + attention step: conv, group norm + SiLU, linear, attention, residuals.
Tensor step(const Tensor& x, const PreparedWeight& conv, const PreparedWeight& proj,
            const Tensor& gamma, const Tensor& beta) {
  Tensor h = ops::group_norm(x, 4, gamma, beta, 1e-5f, Activation::Silu);
  h = ops::conv2d(h, conv, Activation::None, &x);
  Tensor tokens = h.reshape({1, h.dim(1) * h.dim(2), h.dim(3)});
  Tensor q = ops::linear(tokens, proj);
  Tensor a = ops::attention(q, q, q, 2, 0.25f);
  return ops::add(a, tokens).reshape(x.shape());
}

class Pool : public ::testing::TestWithParam<int> {};

TEST_P(Pool, SecondIdenticalStepAllocatesNothing) {
  auto be = GetParam() == 0 ? make_reference_backend() : make_cpu_backend({DType::BF16, 0});
  std::mt19937 rng(7);
  Tensor conv_w = testing::random_tensor(*be, rng, {16, 16, 3, 3});
  Tensor proj_w = testing::random_tensor(*be, rng, {16, 16});
  Tensor gamma = testing::random_tensor(*be, rng, {16});
  Tensor beta = testing::random_tensor(*be, rng, {16});
  auto conv = ops::prepare_conv2d(*be, conv_w, nullptr, {1, 1, 1, 1, 1, 1, 1, 1, 1});
  auto proj = ops::prepare_linear(*be, proj_w, nullptr);
  Tensor x = testing::random_tensor(*be, rng, {1, 8, 8, 16});
  Tensor y1 = step(step(x, *conv, *proj, gamma, beta), *conv, *proj, gamma, beta);
  const MemoryStats warm = be->memory_stats();
  y1 = Tensor();
  Tensor y2 = step(step(x, *conv, *proj, gamma, beta), *conv, *proj, gamma, beta);
  const MemoryStats after = be->memory_stats();
  EXPECT_EQ(after.allocations, warm.allocations) << be->name();
  EXPECT_GT(after.bytes_in_use, 0u);
}

TEST_P(Pool, StatsTrackInUsePooledAndPeak) {
  auto be = GetParam() == 0 ? make_reference_backend() : make_cpu_backend({DType::F32, 0});
  const MemoryStats start = be->memory_stats();
  {
    Tensor t = Tensor::empty(*be, {1000});
    EXPECT_GE(be->memory_stats().bytes_in_use, start.bytes_in_use + 4000);
  }
  const MemoryStats released = be->memory_stats();
  EXPECT_EQ(released.bytes_in_use, start.bytes_in_use);
  EXPECT_GE(released.bytes_pooled, 4000u);
  EXPECT_GE(released.peak_bytes, 4000u);
  Tensor again = Tensor::empty(*be, {1000});
  EXPECT_EQ(be->memory_stats().allocations, released.allocations) << "pool hit expected";
  { Tensor spare = Tensor::empty(*be, {5000}); }
  EXPECT_GE(be->memory_stats().bytes_pooled, 20000u);
  be->release_pooled();
  EXPECT_EQ(be->memory_stats().bytes_pooled, 0u);
  EXPECT_EQ(again.numel(), 1000) << "live tensors survive release_pooled";
}

// A large request with no free block of its own size class is served by a free block up to
// twice its size (the pool would otherwise hold one block of every size a network step uses);
// a block more than twice the size is left for requests it fits better.
TEST_P(Pool, LargeRequestsReuseABiggerFreeBlockUpToTwiceTheirSize) {
  auto be = GetParam() == 0 ? make_reference_backend() : make_cpu_backend({DType::BF16, 0});
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  { auto big = be->allocate(6 * kMiB); }
  const MemoryStats held = be->memory_stats();
  ASSERT_GE(held.bytes_pooled, 6 * kMiB);
  {
    auto smaller = be->allocate(4 * kMiB);  // another size class, within 2x
    EXPECT_GE(smaller->size(), 6 * kMiB) << "served by the free 6 MiB block";
    EXPECT_EQ(be->memory_stats().allocations, held.allocations);
    EXPECT_EQ(be->memory_stats().bytes_pooled, held.bytes_pooled - smaller->size());
  }
  EXPECT_EQ(be->memory_stats().bytes_pooled, held.bytes_pooled) << "the block went back whole";
  auto tiny = be->allocate(2 * kMiB);  // the 6 MiB block is over twice its size
  EXPECT_EQ(be->memory_stats().allocations, held.allocations + 1);
  EXPECT_LT(tiny->size(), 6 * kMiB);
}

TEST_P(Pool, AbsurdSizesAreRefusedClearly) {
  auto be = GetParam() == 0 ? make_reference_backend() : make_cpu_backend({});
  EXPECT_THROW(be->allocate(std::size_t{1} << 62), std::length_error);
  EXPECT_THROW(Tensor::empty(*be, {1 << 20, 1 << 20, 1 << 20}), std::length_error);
  EXPECT_NE(be->allocate(0), nullptr);
}

TEST_P(Pool, BuffersOutliveTheirBackendSafely) {
  Tensor survivor;
  {
    auto be = GetParam() == 0 ? make_reference_backend() : make_cpu_backend({});
    survivor = Tensor::empty(*be, {16});
  }
  survivor = Tensor();  // frees memory without touching the dead backend's free list
  SUCCEED();
}

INSTANTIATE_TEST_SUITE_P(Backends, Pool, ::testing::Values(0, 1),
                         [](const auto& p) { return p.param == 0 ? "reference" : "cpu"; });

}  // namespace
}  // namespace pixforge
