// A1111's variation seeds and seed resize (modules/rng.py ImageRNG.first): the initial noise of
// a run becomes slerp(strength, noise(seed), noise(subseed)), and with a "resize from" size
// the seed's noise is drawn at that size and placed centred in the full-size draw, so a picture
// found at one size keeps its composition at another. Only the first draw changes: ancestral
// and SDE noise keep coming from the main seed's generators (A1111 draws the variation and the
// resized noise from fresh generators and leaves the main ones where a plain run leaves them).
#pragma once

#include <cstdint>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/core/tensor.h"
#include "pixforge/sampling/noise.h"

namespace pixforge::sampling {

struct VariationSeed {
  std::uint64_t subseed = 0;
  double strength = 0.0;       // [0, 1]; 0: the seed's noise unchanged (subseed unused)
  int resize_from_width = 0;   // pixels; seed resize is on only when both sides are > 0
  int resize_from_height = 0;  // (A1111 draws at side // 8 latent pixels)
  bool resizes() const { return resize_from_width > 0 && resize_from_height > 0; }
  bool active() const { return strength != 0.0 || resizes(); }
};

// A1111's slerp(val, low, high) on one image's noise in NHWC order (h x w x c values each), with
// its quirks kept because they decide the pixels: the norms and dot products run over the
// height axis only (torch.norm(dim=1) of a [C, H, W] tensor), one interpolation angle per
// (channel, column); when the mean dot product exceeds 0.9995 it returns low * val +
// high * (1 - val) (the weights swapped relative to the slerp). float32 throughout, as torch.
std::vector<float> a1111_slerp(double val, const std::vector<float>& low,
                               const std::vector<float>& high, int h, int w, int c);

// The first noise draw of a run with the variation applied. `base` is what the main generators
// drew at the full NHWC shape; `seeds[i]` / `subseeds[i]` are image i's seeds (one entry each
// for a WholeBatch draw, which then treats the batch as ComfyUI draws it: one randn of the whole
// batch from one generator, slerped image by image). Returns base itself when !v.active().
Tensor apply_variation(const Tensor& base, RngKind rng, NoiseBatching batching,
                       const std::vector<std::uint64_t>& seeds,
                       const std::vector<std::uint64_t>& subseeds, const VariationSeed& v,
                       Backend& backend);

}  // namespace pixforge::sampling
