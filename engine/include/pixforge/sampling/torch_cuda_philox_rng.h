// torch.randn on a CUDA device, reproduced on the CPU (A1111's "NV" noise, stable-diffusion.cpp's
// `--rng cuda`).
//
// torch's CUDA normal kernel gives thread i the Philox4x32-10 stream with key = seed (low word
// first) and counter = (offset, 0, i, 0); element i is the sine half of a Box-Muller pair made of
// the first two 32-bit outputs, and each randn call advances `offset` by one. That is the GPU's
// layout while one launch covers the tensor with one element per thread (n <= 2048 x the GPU's SM
// count: 167,936 values on an 82-SM card, i.e. latents up to 4x204x204); larger draws follow
// A1111's emulation (counter = element index), which then differs from the GPU, whose layout
// depends on its SM count. Box-Muller is computed in double and rounded to float as A1111 does;
// the GPU's own float logf/sinf may differ from it in the last bit.
#pragma once

#include <array>
#include <cstdint>

#include "pixforge/sampling/noise_generator.h"

namespace pixforge::sampling {

class TorchCudaPhiloxRng final : public NoiseGenerator {
 public:
  explicit TorchCudaPhiloxRng(std::uint64_t seed);

  std::vector<float> randn(std::int64_t n) override;
  void manual_seed(std::uint64_t seed) override;
  std::string_view name() const override { return "torch-cuda-philox"; }

  // Philox4x32-10 of one counter under one key (exposed for tests).
  static std::array<std::uint32_t, 4> philox(std::array<std::uint32_t, 4> counter,
                                             std::array<std::uint32_t, 2> key);

 private:
  std::uint64_t seed_;
  std::uint64_t offset_ = 0;
};

}  // namespace pixforge::sampling
