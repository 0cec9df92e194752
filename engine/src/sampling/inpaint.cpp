#include "pixforge/sampling/inpaint.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "lincomb.h"
#include "pixforge/core/ops.h"

namespace pixforge::sampling {
namespace {

// Source taps of one output index for torch's bilinear resize with align_corners = false:
// the output centre mapped back to the input, clamped at the low edge, blended with its right
// neighbour (clamped at the high edge).
struct Taps {
  int lo = 0, hi = 0;
  float w_hi = 0;  // weight of `hi`; `lo` gets 1 - w_hi
};

Taps bilinear_taps(int out_index, int in_size, int out_size) {
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  const float src = std::max(0.0f, (static_cast<float>(out_index) + 0.5f) * scale - 0.5f);
  Taps t;
  t.lo = std::min(static_cast<int>(src), in_size - 1);
  t.hi = std::min(t.lo + 1, in_size - 1);
  t.w_hi = src - static_cast<float>(t.lo);
  return t;
}

// The mask at latent resolution, [out_h, out_w].
std::vector<float> resize_bilinear(std::span<const float> mask, int width, int height, int out_w,
                                   int out_h) {
  std::vector<float> out(static_cast<std::size_t>(out_w) * static_cast<std::size_t>(out_h));
  auto at = [&](int y, int x) {
    return mask[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
                static_cast<std::size_t>(x)];
  };
  for (int oy = 0; oy < out_h; ++oy) {
    const Taps ty = bilinear_taps(oy, height, out_h);
    for (int ox = 0; ox < out_w; ++ox) {
      const Taps tx = bilinear_taps(ox, width, out_w);
      const float top = (1.0f - tx.w_hi) * at(ty.lo, tx.lo) + tx.w_hi * at(ty.lo, tx.hi);
      const float bottom = (1.0f - tx.w_hi) * at(ty.hi, tx.lo) + tx.w_hi * at(ty.hi, tx.hi);
      out[static_cast<std::size_t>(oy) * static_cast<std::size_t>(out_w) +
          static_cast<std::size_t>(ox)] = (1.0f - ty.w_hi) * top + ty.w_hi * bottom;
    }
  }
  return out;
}

void check_mask(std::span<const float> mask, int width, int height) {
  if (width <= 0 || height <= 0 ||
      mask.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height)) {
    throw std::invalid_argument("denoise mask: " + std::to_string(mask.size()) +
                                " values do not make a " + std::to_string(width) + "x" +
                                std::to_string(height) + " mask");
  }
  for (float v : mask) {
    if (!(v >= 0.0f && v <= 1.0f)) {
      throw std::invalid_argument("denoise mask: values must be in [0, 1]");
    }
  }
}

}  // namespace

Tensor prepare_denoise_mask(Backend& backend, std::span<const float> mask, int width, int height,
                            const Shape& latent_shape) {
  check_mask(mask, width, height);
  if (latent_shape.rank() != 4 || latent_shape.numel() == 0) {
    throw std::invalid_argument("denoise mask: latent shape must be a non-empty NHWC, got " +
                                latent_shape.str());
  }
  const auto n = latent_shape[0], h = latent_shape[1], w = latent_shape[2], c = latent_shape[3];
  const std::vector<float> plane =
      resize_bilinear(mask, width, height, static_cast<int>(w), static_cast<int>(h));
  std::vector<float> values;
  values.reserve(static_cast<std::size_t>(latent_shape.numel()));
  for (std::int64_t b = 0; b < n; ++b) {
    for (float v : plane) values.insert(values.end(), static_cast<std::size_t>(c), v);
  }
  return Tensor::from_host(backend, latent_shape, values);
}

Denoiser make_inpaint_denoiser(Denoiser inner, const Tensor& mask, const Tensor& latent,
                               const Tensor& noise) {
  if (!inner) throw std::invalid_argument("make_inpaint_denoiser: no denoiser");
  if (!mask.defined() || !latent.defined() || !noise.defined() || mask.shape() != latent.shape() ||
      noise.shape() != latent.shape()) {
    throw std::invalid_argument(
        "make_inpaint_denoiser: mask, latent and noise must be tensors of one shape");
  }
  // Both (1 - mask) products are fixed for the run: computed once.
  const Tensor keep = ops::scale_bias(mask, -1.0f, 1.0f);
  const Tensor kept_latent = ops::mul(latent, keep);
  return [inner = std::move(inner), mask, keep, latent, noise, kept_latent](const Tensor& x,
                                                                            float sigma) -> Tensor {
    if (x.shape() != mask.shape()) {
      throw std::invalid_argument("inpaint denoiser: latent " + x.shape().str() +
                                  " does not match the mask " + mask.shape().str());
    }
    // scale_latent_inpaint: the original latent noised to this sigma with the run's noise.
    const Tensor renoised = detail::axpy(sigma, noise, latent);
    const Tensor x_in = ops::add(ops::mul(x, mask), ops::mul(renoised, keep));
    const Tensor out = inner(x_in, sigma);
    return ops::add(ops::mul(out, mask), kept_latent);
  };
}

}  // namespace pixforge::sampling
