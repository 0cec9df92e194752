// torch.manual_seed(seed); torch.randn(n) on the CPU, bit for bit.
//
// State: an mt19937 seeded with the low 32 bits of the seed (so 2**32+5 draws as 5) and the
// cached second value of the double Box-Muller pair. How torch turns the stream into normals
// depends on the size of the request:
//  - n >= 16: n uniforms (24-bit) are drawn first, then every block of 16 becomes 16 normals
//    (lanes j and j+8 share one Box-Muller pair, cos into j, sin into j+8); when n % 16 != 0 the
//    last 16 values are drawn again and recomputed. x86 builds with AVX2 (the usual case,
//    also AVX-512 machines) use single-precision polynomial log/sincos (Cephes, avx_mathfun.h);
//    builds without it (ATEN_CPU_CAPABILITY=default, non-x86) use libm in float.
//  - n < 16: one double-precision Box-Muller per pair (53-bit uniforms), cos returned first and
//    sin cached in the generator for the next value, even across calls.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>

#include "pixforge/sampling/noise_generator.h"

namespace pixforge::sampling {

enum class TorchNormalPath {
  Avx2,    // torch on x86 with AVX2/AVX-512 (default)
  Scalar,  // torch without AVX2 kernels (ARM, ATEN_CPU_CAPABILITY=default)
};

class TorchCpuRng final : public NoiseGenerator {
 public:
  explicit TorchCpuRng(std::uint64_t seed, TorchNormalPath path = TorchNormalPath::Avx2);

  std::vector<float> randn(std::int64_t n) override;
  void randn(std::span<float> out);
  void manual_seed(std::uint64_t seed) override;
  std::string_view name() const override { return "torch-cpu"; }

  std::uint32_t random();    // one mt19937 output
  std::uint64_t random64();  // two outputs, first in the high word (torch's order)

 private:
  float uniform_float();    // [0, 1) with 24 random bits
  double uniform_double();  // [0, 1) with 53 random bits
  double normal_double();   // torch's at::normal_distribution<double>, with its cache
  void normal_fill(std::span<float> out);

  std::mt19937 engine_;
  std::optional<double> cached_normal_;
  TorchNormalPath path_;
};

}  // namespace pixforge::sampling
