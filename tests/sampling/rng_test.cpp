// Noise generators against torch.randn (tools/reference/sampling_rng.py).
//
// CPU: exact bit equality (tolerance 0) — the generator exists to reproduce torch's values, so
// any difference is a bug. Sums of large draws are compared at 1e-6 relative only because the
// golden stores them rounded to float.
// CUDA Philox: there is no GPU here. The golden comes from an independent numpy statement of
// torch's CUDA kernel layout (A1111's formulation, float64 Box-Muller), and the bare Philox block
// is checked against Random123's published known-answer vectors. Values may differ by 1 ulp
// where numpy's and glibc's double log/sin round differently before the cast to float.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "pixforge/sampling/noise_generator.h"
#include "pixforge/sampling/torch_cpu_rng.h"
#include "pixforge/sampling/torch_cuda_philox_rng.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::sampling {
namespace {

using testing::Golden;

const Golden& rng_golden() {
  static const Golden g = testing::load_golden(testing::golden_path("sampling/rng.safetensors"), 1);
  return g;
}

const std::vector<std::uint64_t> kSeeds = {0, 1, 42, (1ull << 32) + 5, (1ull << 63) - 1, 123456789};
const std::vector<std::vector<std::int64_t>> kShapes = {{1},  {7},   {15},         {16},
                                                        {17}, {100}, {1, 4, 8, 8}, {2, 4, 64, 64}};
const std::vector<std::int64_t> kStream = {3, 1, 20, 5, 16, 2, 33, 1};

std::string shape_key(const std::vector<std::int64_t>& shape) {
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s.push_back('x');
    s.append(std::to_string(shape[i]));
  }
  return s;
}

std::int64_t numel(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::int64_t ulp_distance(float a, float b) {
  std::int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  if ((ia < 0) != (ib < 0)) return a == b ? 0 : std::int64_t{1} << 32;
  return std::abs(std::int64_t{ia} - std::int64_t{ib});
}

// Compares a draw with its golden entry (full values, or head/tail/stride/sum for big draws).
void expect_draw(const std::vector<float>& got, const std::string& key, std::int64_t max_ulp) {
  SCOPED_TRACE(key);
  const Golden& g = rng_golden();
  auto check = [&](const std::vector<float>& expected, std::size_t start, std::size_t step) {
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const std::size_t at = start + i * step;
      ASSERT_LT(at, got.size());
      ASSERT_LE(ulp_distance(got[at], expected[i]), max_ulp)
          << "element " << at << ": got " << got[at] << " expected " << expected[i];
    }
  };
  if (g.tensors.count(key)) {
    const auto& e = g.at(key).values;
    ASSERT_EQ(got.size(), e.size());
    check(e, 0, 1);
    return;
  }
  check(g.at(key + ".head").values, 0, 1);
  check(g.at(key + ".tail").values, got.size() - 64, 1);
  check(g.at(key + ".stride509").values, 0, 509);
  double sum = 0;
  for (float v : got) sum += v;
  const double expected_sum = g.at(key + ".sum").values[0];
  EXPECT_NEAR(sum, expected_sum, 1e-6 * std::fabs(expected_sum) + 1e-6);
}

void check_cpu_path(TorchNormalPath path, const std::string& prefix) {
  for (auto seed : kSeeds) {
    for (const auto& shape : kShapes) {
      TorchCpuRng rng(seed, path);
      expect_draw(rng.randn(numel(shape)),
                  prefix + "s" + std::to_string(seed) + "." + shape_key(shape), 0);
    }
    TorchCpuRng rng(seed, path);
    for (std::size_t k = 0; k < kStream.size(); ++k) {
      expect_draw(rng.randn(kStream[k]),
                  prefix + "s" + std::to_string(seed) + ".stream" + std::to_string(k), 0);
    }
  }
}

TEST(TorchCpuRng, MatchesTorchRandnBitExactlyAvx2Kernel) {
  check_cpu_path(TorchNormalPath::Avx2, "");
}

TEST(TorchCpuRng, MatchesTorchRandnBitExactlyScalarKernel) {
  check_cpu_path(TorchNormalPath::Scalar, "scalar.");
}

TEST(TorchCpuRng, KnownFirstValuesOfSeedZero) {
  // torch.manual_seed(0); torch.randn(3) -> 1.5410, -0.2934, -2.1788 (widely quoted).
  TorchCpuRng rng(0);
  const auto v = rng.randn(3);
  EXPECT_NEAR(v[0], 1.5410f, 1e-4);
  EXPECT_NEAR(v[1], -0.2934f, 1e-4);
  EXPECT_NEAR(v[2], -2.1788f, 1e-4);
}

TEST(TorchCpuRng, ManualSeedRestartsStreamAndClearsCache) {
  TorchCpuRng a(7);
  const auto first = a.randn(3);  // leaves a cached sine
  a.manual_seed(7);
  EXPECT_EQ(a.randn(3), first);
  TorchCpuRng b(7 + (1ull << 32));  // only the low 32 bits seed the engine
  EXPECT_EQ(b.randn(3), first);
}

TEST(TorchCpuRng, ZeroAndNegativeSizes) {
  TorchCpuRng rng(1);
  EXPECT_TRUE(rng.randn(0).empty());
  EXPECT_THROW(rng.randn(-1), std::invalid_argument);
}

TEST(TorchCudaPhiloxRng, Random123KnownAnswers) {
  using A4 = std::array<std::uint32_t, 4>;
  EXPECT_EQ(TorchCudaPhiloxRng::philox({0, 0, 0, 0}, {0, 0}),
            (A4{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
  const std::uint32_t f = 0xffffffffu;
  EXPECT_EQ(TorchCudaPhiloxRng::philox({f, f, f, f}, {f, f}),
            (A4{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
}

TEST(TorchCudaPhiloxRng, PublishedSeedZeroValues) {
  // torch.randn(3, 4) from a CUDA generator seeded 0, as printed (8 digits) in the docstring of
  // A1111's modules/rng_philox.py (-0.9247 is also the widely quoted first CUDA value for seed 0).
  // Those printed digits differ from every float32/float64 Box-Muller variant of the same Philox
  // words by 1.5e-7..6e-7 (they predate the file's current arithmetic or come from a GPU), so
  // this checks the stream layout and transform at 5e-7; the bit-level check is the test below.
  const std::vector<float> expected = {-0.92466259f, -0.42534415f, -2.6438457f,  0.14518388f,
                                       -0.12086647f, -0.57972564f, -0.62285122f, -0.32838709f,
                                       -1.07454231f, -0.36314407f, -1.67105067f, 2.26550497f};
  TorchCudaPhiloxRng rng(0);
  const auto got = rng.randn(12);
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(got[i], expected[i], 5e-7) << i;
}

TEST(TorchCudaPhiloxRng, MatchesPythonRestatement) {
  for (auto seed : kSeeds) {
    for (const auto& shape : kShapes) {
      TorchCudaPhiloxRng rng(seed);
      expect_draw(rng.randn(numel(shape)), "cuda.s" + std::to_string(seed) + "." + shape_key(shape),
                  1);
    }
    TorchCudaPhiloxRng rng(seed);
    for (std::size_t k = 0; k < kStream.size(); ++k) {
      expect_draw(rng.randn(kStream[k]),
                  "cuda.s" + std::to_string(seed) + ".stream" + std::to_string(k), 1);
    }
  }
}

TEST(NoiseGenerator, FactoryAndNames) {
  EXPECT_EQ(parse_rng_kind("cpu"), RngKind::TorchCpu);
  EXPECT_EQ(parse_rng_kind("cuda"), RngKind::TorchCudaPhilox);
  EXPECT_THROW(parse_rng_kind("gpu"), std::invalid_argument);
  auto cpu = make_noise_generator(RngKind::TorchCpu, 42);
  TorchCpuRng direct(42);
  EXPECT_EQ(cpu->randn(100), direct.randn(100));
  EXPECT_EQ(make_noise_generator(RngKind::TorchCudaPhilox, 1)->name(), "torch-cuda-philox");
}

}  // namespace
}  // namespace pixforge::sampling
