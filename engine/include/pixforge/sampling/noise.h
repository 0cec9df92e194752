// Latent noise in the engine's layout. torch draws latent noise as NCHW [N, C, H, W]; latents
// here are NHWC [N, H, W, C], so every draw is permuted once on the host after generation.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/core/tensor.h"
#include "pixforge/sampling/discrete_schedule.h"
#include "pixforge/sampling/noise_generator.h"

namespace pixforge::sampling {

// Reorders values of an [n, c, h, w] array into [n, h, w, c].
std::vector<float> nchw_to_nhwc(const std::vector<float>& nchw, std::int64_t n, std::int64_t c,
                                std::int64_t h, std::int64_t w);

// One torch.randn([N, C, H, W]) call on `gen`, returned as an NHWC f32 tensor of `nhwc_shape`
// ([N, H, W, C]) on `backend`.
Tensor randn_nhwc(NoiseGenerator& gen, Backend& backend, const Shape& nhwc_shape);

// The noise stream of ancestral and SDE samplers: k-diffusion's default_noise_sampler, i.e. a
// generator of its own seeded with seed + seed_offset, drawing one latent-shaped tensor per call.
// seed_offset 0 is k-diffusion's and older ComfyUI's; newer ComfyUI adds 1 when sampling on
// the CPU (on a GPU it keeps the seed but draws from the CUDA generator: RngKind::TorchCudaPhilox).
struct AncestralNoise {
  RngKind rng = RngKind::TorchCpu;
  std::int64_t seed_offset = 0;
};

// How a batch's noise is drawn.
enum class NoiseBatching {
  WholeBatch,  // ComfyUI: one generator, one randn([N, C, H, W]) per draw
  PerImage,    // A1111: generator i seeded seed + i, one randn([C, H, W]) each per draw
};

class NoiseSampler {
 public:
  // WholeBatch over one given generator.
  NoiseSampler(std::unique_ptr<NoiseGenerator> gen, Shape nhwc_shape);
  // WholeBatch, generator seeded seed + settings.seed_offset.
  NoiseSampler(const AncestralNoise& settings, std::uint64_t seed, Shape nhwc_shape);
  // `batching` generators of kind `rng` seeded from `seed` as described above.
  NoiseSampler(RngKind rng, std::uint64_t seed, Shape nhwc_shape, NoiseBatching batching);
  // One generator of kind `rng` per seed: one seed draws the whole batch, N seeds one image
  // each (A1111 with a variation strength gives every image of a batch the same seed).
  NoiseSampler(RngKind rng, const std::vector<std::uint64_t>& seeds, Shape nhwc_shape);
  // The next latent-shaped draw, on `backend`.
  Tensor next(Backend& backend);
  const Shape& shape() const { return shape_; }

 private:
  std::vector<std::unique_ptr<NoiseGenerator>> gens_;  // one, or one per image
  Shape shape_;
};

// ComfyUI's KSampler decision: the run starts from pure noise when sigmas[0] is (within 1e-5
// relative) the schedule's sigma_max or above it.
bool is_max_denoise(const DiscreteSchedule& schedule, float sigma0);

// The sampler's starting point (ε/v noise_scaling): noise * sqrt(1 + sigma0^2) at full denoise,
// noise * sigma0 otherwise, plus `latent` when given (img2img; nullptr means zeros).
Tensor noise_scaling(const Tensor& noise, float sigma0, bool max_denoise, const Tensor* latent);

}  // namespace pixforge::sampling
