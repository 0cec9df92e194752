#include "pixforge/sampling/noise.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "pixforge/core/ops.h"

namespace pixforge::sampling {

std::vector<float> nchw_to_nhwc(const std::vector<float>& nchw, std::int64_t n, std::int64_t c,
                                std::int64_t h, std::int64_t w) {
  if (n < 0 || c < 0 || h < 0 || w < 0 || static_cast<std::int64_t>(nchw.size()) != n * c * h * w) {
    throw std::invalid_argument("nchw_to_nhwc: " + std::to_string(nchw.size()) +
                                " values do not form the given shape");
  }
  std::vector<float> out(nchw.size());
  std::size_t o = 0;
  for (std::int64_t b = 0; b < n; ++b) {
    for (std::int64_t y = 0; y < h; ++y) {
      for (std::int64_t x = 0; x < w; ++x) {
        for (std::int64_t ch = 0; ch < c; ++ch) {
          out[o++] = nchw[static_cast<std::size_t>(((b * c + ch) * h + y) * w + x)];
        }
      }
    }
  }
  return out;
}

Tensor randn_nhwc(NoiseGenerator& gen, Backend& backend, const Shape& s) {
  if (s.rank() != 4)
    throw std::invalid_argument("randn_nhwc: expected an NHWC shape, got " + s.str());
  const auto nchw = gen.randn(s.numel());
  return Tensor::from_host(backend, s, nchw_to_nhwc(nchw, s[0], s[3], s[1], s[2]));
}

NoiseSampler::NoiseSampler(std::unique_ptr<NoiseGenerator> gen, Shape nhwc_shape)
    : shape_(nhwc_shape) {
  if (!gen) throw std::invalid_argument("NoiseSampler: no generator");
  if (shape_.rank() != 4) {
    throw std::invalid_argument("NoiseSampler: expected an NHWC shape, got " + shape_.str());
  }
  gens_.push_back(std::move(gen));
}

NoiseSampler::NoiseSampler(const AncestralNoise& settings, std::uint64_t seed, Shape nhwc_shape)
    : NoiseSampler(make_noise_generator(settings.rng,
                                        seed + static_cast<std::uint64_t>(settings.seed_offset)),
                   nhwc_shape) {}

NoiseSampler::NoiseSampler(RngKind rng, std::uint64_t seed, Shape nhwc_shape,
                           NoiseBatching batching)
    : NoiseSampler(make_noise_generator(rng, seed), nhwc_shape) {
  if (batching == NoiseBatching::PerImage) {
    for (std::int64_t i = 1; i < shape_[0]; ++i) {
      gens_.push_back(make_noise_generator(rng, seed + static_cast<std::uint64_t>(i)));
    }
  }
}

NoiseSampler::NoiseSampler(RngKind rng, const std::vector<std::uint64_t>& seeds, Shape nhwc_shape)
    : NoiseSampler(make_noise_generator(rng, seeds.empty() ? 0 : seeds[0]), nhwc_shape) {
  if (seeds.size() != 1 && static_cast<std::int64_t>(seeds.size()) != shape_[0]) {
    throw std::invalid_argument("NoiseSampler: " + std::to_string(seeds.size()) +
                                " seeds for a batch of " + std::to_string(shape_[0]));
  }
  for (std::size_t i = 1; i < seeds.size(); ++i)
    gens_.push_back(make_noise_generator(rng, seeds[i]));
}

Tensor NoiseSampler::next(Backend& backend) {
  if (gens_.size() == 1) return randn_nhwc(*gens_[0], backend, shape_);
  // One [C, H, W] draw per image from its own generator, stacked along the batch.
  const std::int64_t per_image = shape_.numel() / shape_[0];
  std::vector<float> nchw;
  nchw.reserve(static_cast<std::size_t>(shape_.numel()));
  for (auto& gen : gens_) {
    const auto draw = gen->randn(per_image);
    nchw.insert(nchw.end(), draw.begin(), draw.end());
  }
  return Tensor::from_host(backend, shape_,
                           nchw_to_nhwc(nchw, shape_[0], shape_[3], shape_[1], shape_[2]));
}

bool is_max_denoise(const DiscreteSchedule& schedule, float sigma0) {
  const double max_sigma = schedule.sigma_max(), s = sigma0;
  // math.isclose(max_sigma, s, rel_tol=1e-5) or s > max_sigma
  return std::fabs(max_sigma - s) <= 1e-5 * std::max(std::fabs(max_sigma), std::fabs(s)) ||
         s > max_sigma;
}

Tensor noise_scaling(const Tensor& noise, float sigma0, bool max_denoise, const Tensor* latent) {
  // float32 arithmetic, as torch evaluates sqrt(1.0 + sigma ** 2.0) on a float32 sigma.
  const float scale = max_denoise ? std::sqrt(1.0f + sigma0 * sigma0) : sigma0;
  Tensor x = ops::scale_bias(noise, scale);
  return latent != nullptr ? ops::add(x, *latent) : x;
}

}  // namespace pixforge::sampling
