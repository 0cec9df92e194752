#include "pixforge/sampling/noise_generator.h"

#include <stdexcept>
#include <string>

#include "pixforge/sampling/torch_cpu_rng.h"
#include "pixforge/sampling/torch_cuda_philox_rng.h"

namespace pixforge::sampling {

RngKind parse_rng_kind(std::string_view text) {
  if (text == "cpu") return RngKind::TorchCpu;
  if (text == "cuda") return RngKind::TorchCudaPhilox;
  throw std::invalid_argument("unknown rng '" + std::string(text) +
                              "': expected 'cpu' (torch CPU, as ComfyUI) or 'cuda' (torch CUDA "
                              "Philox, as A1111)");
}

std::string_view rng_kind_name(RngKind kind) { return kind == RngKind::TorchCpu ? "cpu" : "cuda"; }

std::unique_ptr<NoiseGenerator> make_noise_generator(RngKind kind, std::uint64_t seed) {
  if (kind == RngKind::TorchCudaPhilox) return std::make_unique<TorchCudaPhiloxRng>(seed);
  return std::make_unique<TorchCpuRng>(seed);
}

}  // namespace pixforge::sampling
