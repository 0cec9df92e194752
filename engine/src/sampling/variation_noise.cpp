#include "pixforge/sampling/variation_noise.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace pixforge::sampling {
namespace {

// Python's floor division (A1111 centres with (W - w) // 2, which floors negative offsets).
int floor_div2(int a) { return a >= 0 ? a / 2 : -((-a + 1) / 2); }

// One draw of `shape` (NHWC) as `batching` draws it from generators seeded `seeds`, each a
// fresh generator (A1111's randn(seed, shape) re-seeds before drawing). Host NHWC values.
std::vector<float> fresh_draw(RngKind rng, NoiseBatching batching,
                              const std::vector<std::uint64_t>& seeds, const Shape& shape) {
  const std::int64_t n = shape[0], h = shape[1], w = shape[2], c = shape[3];
  if (batching == NoiseBatching::WholeBatch) {
    return nchw_to_nhwc(make_noise_generator(rng, seeds.at(0))->randn(shape.numel()), n, c, h, w);
  }
  std::vector<float> nchw;
  nchw.reserve(static_cast<std::size_t>(shape.numel()));
  for (std::int64_t i = 0; i < n; ++i) {
    const auto one =
        make_noise_generator(rng, seeds.at(static_cast<std::size_t>(i)))->randn(c * h * w);
    nchw.insert(nchw.end(), one.begin(), one.end());
  }
  return nchw_to_nhwc(nchw, n, c, h, w);
}

// Copies the centre of `from` (h0 x w0) into `to` (h x w) as ImageRNG.first does, cropping
// `from` where it is the larger; both one image, NHWC with c channels.
void place_centred(const float* from, int h0, int w0, float* to, int h, int w, int c) {
  int dx = floor_div2(w - w0), dy = floor_div2(h - h0);
  const int cw = dx >= 0 ? w0 : w0 + 2 * dx;
  const int ch = dy >= 0 ? h0 : h0 + 2 * dy;
  const int tx = dx < 0 ? 0 : dx, ty = dy < 0 ? 0 : dy;
  dx = dx < 0 ? -dx : 0;
  dy = dy < 0 ? -dy : 0;
  for (int y = 0; y < ch; ++y) {
    for (int x = 0; x < cw; ++x) {
      const float* src = from + (static_cast<std::size_t>(y + dy) * w0 + (x + dx)) * c;
      float* dst = to + (static_cast<std::size_t>(y + ty) * w + (x + tx)) * c;
      for (int k = 0; k < c; ++k) dst[k] = src[k];
    }
  }
}

}  // namespace

std::vector<float> a1111_slerp(double val, const std::vector<float>& low,
                               const std::vector<float>& high, int h, int w, int c) {
  const std::size_t n = static_cast<std::size_t>(h) * w * c;
  if (low.size() != n || high.size() != n) {
    throw std::invalid_argument("a1111_slerp: " + std::to_string(low.size()) + " and " +
                                std::to_string(high.size()) + " values for a " + std::to_string(h) +
                                "x" + std::to_string(w) + "x" + std::to_string(c) + " image");
  }
  const std::size_t cols = static_cast<std::size_t>(w) * c;  // one (column, channel) each
  auto at = [cols](int y, std::size_t col) { return static_cast<std::size_t>(y) * cols + col; };
  std::vector<float> dot(cols);
  double dot_sum = 0;
  for (std::size_t col = 0; col < cols; ++col) {
    float ll = 0, hh = 0;
    for (int y = 0; y < h; ++y) {
      ll += low[at(y, col)] * low[at(y, col)];
      hh += high[at(y, col)] * high[at(y, col)];
    }
    const float nl = std::sqrt(ll), nh = std::sqrt(hh);
    float d = 0;
    for (int y = 0; y < h; ++y) d += (low[at(y, col)] / nl) * (high[at(y, col)] / nh);
    dot[col] = d;
    dot_sum += d;
  }
  const float v = static_cast<float>(val), one_minus = static_cast<float>(1.0 - val);
  std::vector<float> out(n);
  if (dot_sum / static_cast<double>(cols) > 0.9995) {  // near parallel: A1111's lerp fallback
    for (std::size_t i = 0; i < n; ++i) out[i] = low[i] * v + high[i] * one_minus;
    return out;
  }
  for (std::size_t col = 0; col < cols; ++col) {
    const float omega = std::acos(dot[col]);
    const float so = std::sin(omega);
    const float wl = std::sin(one_minus * omega) / so, wh = std::sin(v * omega) / so;
    for (int y = 0; y < h; ++y) out[at(y, col)] = wl * low[at(y, col)] + wh * high[at(y, col)];
  }
  return out;
}

Tensor apply_variation(const Tensor& base, RngKind rng, NoiseBatching batching,
                       const std::vector<std::uint64_t>& seeds,
                       const std::vector<std::uint64_t>& subseeds, const VariationSeed& v,
                       Backend& backend) {
  if (!v.active()) return base;
  const Shape& full = base.shape();
  if (full.rank() != 4) throw std::invalid_argument("apply_variation: expected NHWC noise");
  const std::size_t images = batching == NoiseBatching::WholeBatch ? 1 : full[0];
  if (seeds.size() < images || (v.strength != 0.0 && subseeds.size() < images)) {
    throw std::invalid_argument("apply_variation: one seed and subseed per generator needed");
  }
  const int n = static_cast<int>(full[0]), h = static_cast<int>(full[1]),
            w = static_cast<int>(full[2]), c = static_cast<int>(full[3]);
  Shape from = full;
  if (v.resizes()) from = Shape{n, v.resize_from_height / 8, v.resize_from_width / 8, c};
  if (from[1] < 1 || from[2] < 1) {
    throw std::invalid_argument("apply_variation: seed resize from " +
                                std::to_string(v.resize_from_width) + "x" +
                                std::to_string(v.resize_from_height) + " is under 8 pixels");
  }
  const bool resized = from != full;
  std::vector<float> x = base.to_host();
  // The seed's own noise at the draw size: the base draw itself unless resized.
  std::vector<float> noise = resized ? fresh_draw(rng, batching, seeds, from) : x;
  const int h0 = static_cast<int>(from[1]), w0 = static_cast<int>(from[2]);
  const std::size_t per = static_cast<std::size_t>(h0) * w0 * c;
  if (v.strength != 0.0) {
    const std::vector<float> sub = fresh_draw(rng, batching, subseeds, from);
    for (int i = 0; i < n; ++i) {
      const auto first = static_cast<std::ptrdiff_t>(i * per),
                 last = first + static_cast<std::ptrdiff_t>(per);
      const std::vector<float> lo(noise.begin() + first, noise.begin() + last);
      const std::vector<float> hi(sub.begin() + first, sub.begin() + last);
      const auto mixed = a1111_slerp(v.strength, lo, hi, h0, w0, c);
      std::copy(mixed.begin(), mixed.end(), noise.begin() + first);
    }
  }
  if (!resized) return Tensor::from_host(backend, full, noise);
  const std::size_t per_full = static_cast<std::size_t>(h) * w * c;
  for (int i = 0; i < n; ++i) {
    place_centred(noise.data() + i * per, h0, w0, x.data() + i * per_full, h, w, c);
  }
  return Tensor::from_host(backend, full, x);
}

}  // namespace pixforge::sampling
