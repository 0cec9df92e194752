// Where noise comes from: a seeded stream of standard-normal float32 values that reproduces, call
// for call, what PyTorch's `torch.randn` returns for the same seed. The samplers and pipelines only
// see this interface; the generator kind (CPU mt19937 as ComfyUI, CUDA Philox as A1111) is a
// setting.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace pixforge::sampling {

class NoiseGenerator {
 public:
  virtual ~NoiseGenerator() = default;
  // One `torch.randn(shape)` call with numel(shape) == n: n values in the tensor's row-major
  // (for latents: NCHW) order. Successive calls continue the generator's stream.
  virtual std::vector<float> randn(std::int64_t n) = 0;
  // Restarts the stream as `manual_seed(seed)` does.
  virtual void manual_seed(std::uint64_t seed) = 0;
  virtual std::string_view name() const = 0;
};

enum class RngKind {
  TorchCpu,         // torch.manual_seed + CPU torch.randn (ComfyUI's convention; the default)
  TorchCudaPhilox,  // torch CUDA randn (Philox4x32-10), what A1111 uses by default
};

// "cpu" / "cuda"; throws std::invalid_argument naming the accepted values otherwise.
RngKind parse_rng_kind(std::string_view text);
std::string_view rng_kind_name(RngKind kind);

std::unique_ptr<NoiseGenerator> make_noise_generator(RngKind kind, std::uint64_t seed);

}  // namespace pixforge::sampling
