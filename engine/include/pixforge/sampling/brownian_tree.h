// The noise ComfyUI's SDE samplers (dpmpp_sde, dpmpp_2m_sde) draw: k-diffusion's
// BrownianTreeNoiseSampler over a torchsde BrownianTree, restated so that a seed gives ComfyUI's
// values. A Brownian tree fixes one Brownian path W(t) per seed on [t0, t1]; the noise for a step
// sigma -> sigma_next is (W(sigma_next) - W(sigma)) / sqrt(|sigma_next - sigma|), so the noise of
// different steps is correlated exactly as the path dictates, independent of the step count.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/core/tensor.h"
#include "pixforge/sampling/noise.h"
#include "pixforge/sampling/noise_generator.h"

namespace pixforge::sampling {

// torchsde's BrownianTree as k-diffusion builds it: BrownianInterval with halfway_tree=True,
// tol=1e-6 (times rounded to 6 decimals), pool_size=24, no Levy area. Node seeds come from numpy's
// SeedSequence(entropy, spawn_key=(key, depth)); node noise from a torch generator of kind `rng`
// seeded with them (CPU for ComfyUI, which builds its trees with cpu=True).
class BrownianTree {
 public:
  // A path of `numel` independent coordinates (torch's row-major order) on [t0, t1], t0 <= t1.
  BrownianTree(double t0, double t1, std::int64_t numel, std::uint64_t entropy,
               RngKind rng = RngKind::TorchCpu);
  ~BrownianTree();
  BrownianTree(const BrownianTree&) = delete;
  BrownianTree& operator=(const BrownianTree&) = delete;

  // W(tb) - W(ta) for ta <= tb (both clamped into [t0, t1], as torchsde does after a warning);
  // zeros when they coincide. Throws std::invalid_argument when ta > tb or a time is not finite.
  std::vector<float> increment(double ta, double tb);

  std::int64_t numel() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Where the SDE samplers' noise comes from.
enum class SdeNoiseKind {
  BrownianTree,  // ComfyUI (default): BrownianTreeNoiseSampler seeded with the sampler seed
  Gaussian,      // an independent torch.randn draw per step (k-diffusion's default_noise_sampler)
};

// "brownian" / "gaussian"; throws std::invalid_argument naming both otherwise.
SdeNoiseKind parse_sde_noise_kind(std::string_view text);
std::string_view sde_noise_kind_name(SdeNoiseKind kind);

// Noise for one SDE step sigma -> sigma_next, latent-shaped (NHWC).
class SdeNoise {
 public:
  virtual ~SdeNoise() = default;
  virtual Tensor draw(Backend& backend, float sigma, float sigma_next) = 0;
};

// k-diffusion's BrownianTreeNoiseSampler (identity transform) for an NHWC latent: trees over
// [sigma_min, sigma_max]. WholeBatch: one tree over the whole [N, C, H, W] latent seeded `seed`
// (ComfyUI: BatchedBrownianTree with one seed). PerImage: one tree per image seeded seed + i
// (A1111 passes its per-image seeds as a list).
class BrownianTreeNoise final : public SdeNoise {
 public:
  BrownianTreeNoise(const Shape& nhwc_shape, float sigma_min, float sigma_max, std::uint64_t seed,
                    RngKind rng = RngKind::TorchCpu,
                    NoiseBatching batching = NoiseBatching::WholeBatch);
  Tensor draw(Backend& backend, float sigma, float sigma_next) override;

 private:
  Shape shape_;
  bool reversed_ = false;  // sigma_min > sigma_max (never for real schedules; kept as k-diffusion)
  std::vector<std::unique_ptr<BrownianTree>> trees_;
};

}  // namespace pixforge::sampling
