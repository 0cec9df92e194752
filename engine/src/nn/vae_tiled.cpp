// Tiles are cut and blended on the host: the blending is cheap next to the VAE itself, and it
// keeps this independent of what ops a backend has (no strided slicing op is needed).
#include "pixforge/nn/vae_tiled.h"

#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pixforge::nn {

namespace {

using TileFn = std::function<Tensor(const Tensor&)>;

struct Scale {  // output pixels per input pixel, num/den (8/1 decode, 1/8 encode)
  int num = 1, den = 1;
  double value() const { return static_cast<double>(num) / den; }
  std::int64_t apply(std::int64_t v) const { return v * num / den; }
};

// Python's round() (half to even), as the tile geometry is specified with it.
std::int64_t round_even(double v) { return static_cast<std::int64_t>(std::nearbyint(v)); }

std::vector<std::int64_t> tile_starts(std::int64_t size, int tile, int overlap) {
  if (size <= tile) return {0};
  std::vector<std::int64_t> starts;
  for (std::int64_t p = 0; p < size - overlap; p += tile - overlap) {
    starts.push_back(std::max<std::int64_t>(0, std::min<std::int64_t>(size - overlap, p)));
  }
  return starts;
}

// 1-D edge ramp of an output tile of `n` pixels.
std::vector<float> ramp(std::int64_t n, std::int64_t feather) {
  std::vector<float> m(static_cast<std::size_t>(n), 1.0f);
  if (feather >= n) return m;
  for (std::int64_t t = 0; t < feather; ++t) {
    const float a = static_cast<float>(static_cast<double>(t + 1) / static_cast<double>(feather));
    m[static_cast<std::size_t>(t)] *= a;
    m[static_cast<std::size_t>(n - 1 - t)] *= a;
  }
  return m;
}

// One tiled pass over a single sample x [1,H,W,C] (host values `xs`).
std::vector<float> tiled_pass(Backend& backend, const std::vector<float>& xs, std::int64_t h,
                              std::int64_t w, std::int64_t c, const TileFn& fn, int tile_h,
                              int tile_w, int overlap, Scale scale, std::int64_t out_c,
                              Shape& out_shape) {
  const std::int64_t oh = scale.apply(h), ow = scale.apply(w);
  out_shape = Shape{1, oh, ow, out_c};
  if (h <= tile_h && w <= tile_w) {  // this pass's tile holds the whole input: no blending
    return fn(Tensor::from_host(backend, Shape{1, h, w, c}, xs)).to_host();
  }
  std::vector<double> acc(static_cast<std::size_t>(oh * ow * out_c), 0.0);
  std::vector<double> weight(static_cast<std::size_t>(oh * ow), 0.0);
  const std::int64_t feather = round_even(overlap * scale.value());
  for (const std::int64_t y : tile_starts(h, tile_h, overlap)) {
    for (const std::int64_t x : tile_starts(w, tile_w, overlap)) {
      const std::int64_t th = std::min<std::int64_t>(tile_h, h - y);
      const std::int64_t tw = std::min<std::int64_t>(tile_w, w - x);
      std::vector<float> crop(static_cast<std::size_t>(th * tw * c));
      for (std::int64_t r = 0; r < th; ++r) {
        std::copy_n(xs.begin() + ((y + r) * w + x) * c, tw * c, crop.begin() + r * tw * c);
      }
      const Tensor part = fn(Tensor::from_host(backend, Shape{1, th, tw, c}, crop));
      const std::int64_t ph = part.dim(1), pw = part.dim(2);
      const std::vector<float> pv = part.to_host();
      const std::vector<float> mh = ramp(ph, feather), mw = ramp(pw, feather);
      const std::int64_t oy = scale.apply(y), ox = scale.apply(x);
      for (std::int64_t r = 0; r < ph; ++r) {
        for (std::int64_t q = 0; q < pw; ++q) {
          const float m = mh[static_cast<std::size_t>(r)] * mw[static_cast<std::size_t>(q)];
          const std::size_t o = static_cast<std::size_t>((oy + r) * ow + (ox + q));
          weight[o] += m;
          for (std::int64_t k = 0; k < out_c; ++k) {
            acc[o * out_c + k] +=
                double{m} * pv[static_cast<std::size_t>((r * pw + q) * out_c + k)];
          }
        }
      }
    }
  }
  std::vector<float> out(acc.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<float>(acc[i] / weight[i / static_cast<std::size_t>(out_c)]);
  }
  return out;
}

Tensor tiled_three(const Tensor& x, const TileFn& fn, const VaeTiling& t, Scale scale,
                   std::int64_t out_c) {
  const std::int64_t batch = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  const std::vector<float> all = x.to_host();
  const std::int64_t per = h * w * c;
  std::vector<float> out;
  Shape s;
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::vector<float> xs(all.begin() + b * per, all.begin() + (b + 1) * per);
    const int shapes[3][2] = {{t.tile / 2, t.tile * 2}, {t.tile * 2, t.tile / 2}, {t.tile, t.tile}};
    std::vector<float> sum;
    for (const auto& hw : shapes) {
      const std::vector<float> p =
          tiled_pass(x.backend(), xs, h, w, c, fn, hw[0], hw[1], t.overlap, scale, out_c, s);
      if (sum.empty()) sum.assign(p.size(), 0.0f);
      for (std::size_t i = 0; i < p.size(); ++i) sum[i] += p[i];
    }
    for (float& v : sum) v /= 3.0f;
    out.insert(out.end(), sum.begin(), sum.end());
  }
  return Tensor::from_host(x.backend(), Shape{batch, s[1], s[2], s[3]}, out);
}

void check_tiling(const VaeTiling& t, int multiple, const char* what) {
  // The narrow pass uses tile/2 with the same overlap, which must leave a positive step.
  if (t.tile <= 0 || t.overlap < 0 || t.overlap >= t.tile / 2 || t.tile % multiple != 0 ||
      t.overlap % multiple != 0 || (t.tile / 2) % multiple != 0) {
    throw std::invalid_argument(std::string(what) + ": tile " + std::to_string(t.tile) +
                                " / overlap " + std::to_string(t.overlap) +
                                " invalid (need 0 <= overlap < tile/2, multiples of " +
                                std::to_string(multiple) + ")");
  }
}

}  // namespace

Tensor decode_tiled(const Vae& vae, const Tensor& latent, const VaeTiling& tiling) {
  check_tiling(tiling, 1, "decode_tiled");
  if (latent.rank() != 4) {
    throw std::invalid_argument("decode_tiled: latent " + latent.shape().str() + " is not NHWC");
  }
  const int f = vae.config().downscale();
  return tiled_three(
      latent, [&](const Tensor& t) { return vae.decode(t); }, tiling, Scale{f, 1},
      vae.config().image_channels);
}

Tensor encode_tiled(const Vae& vae, const Tensor& image, const VaeTiling& tiling) {
  const int f = vae.config().downscale();
  check_tiling(tiling, f, "encode_tiled");
  if (image.rank() != 4 || image.dim(1) % f != 0 || image.dim(2) % f != 0) {
    throw std::invalid_argument("encode_tiled: image " + image.shape().str() +
                                " must be NHWC with sides multiples of " + std::to_string(f));
  }
  return tiled_three(
      image, [&](const Tensor& t) { return vae.encode(t); }, tiling, Scale{1, f},
      vae.config().latent_channels);
}

}  // namespace pixforge::nn
