#include "pixforge/sampling/ksampler.h"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "pixforge/sampling/inpaint.h"

namespace pixforge::sampling {
namespace {

// The main and variation generators' seeds: one each for ComfyUI's whole-batch draw; per image
// under A1111's convention (all_seeds: seed + i, or seed for all while a variation strength is
// set; all_subseeds: subseed + i).
struct GeneratorSeeds {
  std::vector<std::uint64_t> seeds, subseeds;
};

GeneratorSeeds generator_seeds(const KSamplerSettings& s, std::int64_t batch) {
  GeneratorSeeds g;
  const std::int64_t n = s.convention == NoiseConvention::A1111 ? batch : 1;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::uint64_t>(i);
    g.seeds.push_back(s.seed + (s.variation.strength == 0.0 ? k : 0));
    g.subseeds.push_back(s.variation.subseed + k);
  }
  return g;
}

}  // namespace

Tensor ksample(const DiscreteSchedule& schedule, const Denoiser& denoiser,
               const KSamplerSettings& settings, Backend& backend, const Shape& latent_shape,
               const Tensor* latent, const KSamplerHooks& hooks) {
  if (latent_shape.rank() != 4 || latent_shape.numel() == 0) {
    throw std::invalid_argument(
        "ksample: latent shape must be a non-empty NHWC [N, H, W, C], got " + latent_shape.str());
  }
  if (latent != nullptr && latent->shape() != latent_shape) {
    throw std::invalid_argument("ksample: latent " + latent->shape().str() + " != latent shape " +
                                latent_shape.str());
  }
  const Tensor& mask = settings.denoise_mask;
  if (mask.defined() && latent == nullptr) {
    throw std::invalid_argument("ksample: a denoise mask needs a starting latent (img2img)");
  }
  if (mask.defined() && mask.shape() != latent_shape) {
    throw std::invalid_argument("ksample: denoise mask " + mask.shape().str() +
                                " != latent shape " + latent_shape.str());
  }
  const auto sigmas =
      sampling_sigmas(schedule, settings.scheduler, settings.steps, settings.denoise,
                      sampler_discards_penultimate_sigma(settings.sampler));
  const bool a1111 = settings.convention == NoiseConvention::A1111;
  // ComfyUI (comfy.sample.prepare_noise): one manual_seed + randn for the whole batch.
  // A1111 (ImageRNG.first): one generator per image.
  const NoiseBatching batching = a1111 ? NoiseBatching::PerImage : NoiseBatching::WholeBatch;
  const GeneratorSeeds gs = generator_seeds(settings, latent_shape[0]);
  auto initial = std::make_unique<NoiseSampler>(settings.rng, gs.seeds, latent_shape);
  const Tensor noise = apply_variation(initial->next(backend), settings.rng, batching, gs.seeds,
                                       gs.subseeds, settings.variation, backend);
  const bool max_denoise = !a1111 && is_max_denoise(schedule, sigmas.front());
  const Tensor x = noise_scaling(noise, sigmas.front(), max_denoise, latent);

  std::unique_ptr<SdeNoise> sde_noise;
  const bool sde =
      settings.sampler == SamplerKind::DpmppSde || settings.sampler == SamplerKind::Dpmpp2mSde;
  if (sde && settings.sde_noise == SdeNoiseKind::BrownianTree && sigmas.size() > 1) {
    // BrownianTreeNoiseSampler(x, sigmas[sigmas > 0].min(), sigmas.max(), seed)
    float sigma_min = sigmas.front();
    for (float s : sigmas) {
      if (s > 0) sigma_min = std::min(sigma_min, s);
    }
    const float sigma_max = *std::max_element(sigmas.begin(), sigmas.end());
    sde_noise = std::make_unique<BrownianTreeNoise>(
        latent_shape, sigma_min, sigma_max, settings.seed, a1111 ? settings.rng : RngKind::TorchCpu,
        a1111 ? NoiseBatching::PerImage : NoiseBatching::WholeBatch);
  }
  std::unique_ptr<NoiseSampler> noise_sampler;
  if (sampler_uses_noise(settings.sampler) && !sde_noise) {
    if (!a1111) {
      noise_sampler =
          std::make_unique<NoiseSampler>(settings.ancestral, settings.seed, latent_shape);
    } else if (settings.ancestral.seed_offset == 0) {
      noise_sampler = std::move(initial);  // ImageRNG.next(): the same per-image streams go on
    } else {
      std::vector<std::uint64_t> delta = gs.seeds;  // A1111's eta_noise_seed_delta
      for (auto& seed : delta) seed += static_cast<std::uint64_t>(settings.ancestral.seed_offset);
      noise_sampler = std::make_unique<NoiseSampler>(settings.rng, delta, latent_shape);
    }
  }
  SamplerContext ctx;
  ctx.noise = noise_sampler.get();
  ctx.sde_noise = sde_noise.get();
  ctx.eta = settings.eta;
  ctx.s_noise = settings.s_noise;
  ctx.on_step = hooks.on_step;
  ctx.cancel = hooks.cancel;
  if (!mask.defined()) return sample(settings.sampler, denoiser, x, sigmas, ctx);
  return sample(settings.sampler, make_inpaint_denoiser(denoiser, mask, *latent, noise), x, sigmas,
                ctx);
}

}  // namespace pixforge::sampling
