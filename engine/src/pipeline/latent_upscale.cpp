#include "pixforge/pipeline/latent_upscale.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace pixforge::pipeline {
namespace {

struct NamedMode {
  std::string_view name;
  LatentUpscaleMode mode;
};

constexpr std::array<NamedMode, 6> kModes = {{
    {"Latent", {InterpolateMode::Bilinear, false}},
    {"Latent (antialiased)", {InterpolateMode::Bilinear, true}},
    {"Latent (bicubic)", {InterpolateMode::Bicubic, false}},
    {"Latent (bicubic antialiased)", {InterpolateMode::Bicubic, true}},
    {"Latent (nearest)", {InterpolateMode::Nearest, false}},
    {"Latent (nearest-exact)", {InterpolateMode::NearestExact, false}},
}};

// The source taps of one output index along one axis: (input index, weight).
using Taps = std::vector<std::pair<std::int64_t, float>>;

std::int64_t clamp_index(std::int64_t i, std::int64_t size) {
  return std::min(std::max<std::int64_t>(i, 0), size - 1);
}

// Keys' cubic convolution kernel with parameter a (torch: a = -0.75 plain, -0.5 antialiased).
float cubic(float x, float a) {
  x = std::fabs(x);
  if (x < 1.0f) return ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f;
  if (x < 2.0f) return (((x - 5.0f) * x + 8.0f) * x - 4.0f) * a;
  return 0.0f;
}

// torch's _compute_indices_weights_aa: a filter of support interp/2 (stretched by the scale
// when shrinking) centred on scale * (i + 0.5), weights renormalised to sum 1.
Taps antialias_taps(std::int64_t i, std::int64_t in, float scale, bool bicubic) {
  const float interp = bicubic ? 4.0f : 2.0f;
  const float support = scale >= 1.0f ? interp * 0.5f * scale : interp * 0.5f;
  const float invscale = scale >= 1.0f ? 1.0f / scale : 1.0f;
  const float center = scale * (static_cast<float>(i) + 0.5f);
  const auto xmin = std::max<std::int64_t>(static_cast<std::int64_t>(center - support + 0.5f), 0);
  const auto xmax = std::min<std::int64_t>(static_cast<std::int64_t>(center + support + 0.5f), in);
  Taps taps;
  float total = 0.0f;
  for (std::int64_t j = xmin; j < xmax; ++j) {
    const float x = (static_cast<float>(j) - center + 0.5f) * invscale;
    const float w = bicubic ? cubic(x, -0.5f) : std::max(0.0f, 1.0f - std::fabs(x));
    taps.emplace_back(j, w);
    total += w;
  }
  if (total != 0.0f) {
    for (auto& t : taps) t.second /= total;
  }
  return taps;
}

Taps plain_taps(std::int64_t i, std::int64_t in, std::int64_t out, InterpolateMode mode) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  const float fi = static_cast<float>(i);
  switch (mode) {
    case InterpolateMode::Nearest: {
      if (out == in) return {{i, 1.0f}};
      if (out == 2 * in) return {{i >> 1, 1.0f}};
      return {{std::min(static_cast<std::int64_t>(std::floor(fi * scale)), in - 1), 1.0f}};
    }
    case InterpolateMode::NearestExact:
      return {{std::min(static_cast<std::int64_t>(std::floor((fi + 0.5f) * scale)), in - 1), 1.0f}};
    case InterpolateMode::Bilinear: {
      const float real = std::max(scale * (fi + 0.5f) - 0.5f, 0.0f);
      const auto i0 = static_cast<std::int64_t>(real);
      const std::int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
      const float l1 = std::min(std::max(real - static_cast<float>(i0), 0.0f), 1.0f);
      return {{i0, 1.0f - l1}, {i1, l1}};
    }
    case InterpolateMode::Bicubic: {
      const float real = scale * (fi + 0.5f) - 0.5f;  // not clamped for cubic
      const auto i0 = static_cast<std::int64_t>(std::floor(real));
      const float t = real - static_cast<float>(i0);
      return {{clamp_index(i0 - 1, in), cubic(t + 1.0f, -0.75f)},
              {clamp_index(i0, in), cubic(t, -0.75f)},
              {clamp_index(i0 + 1, in), cubic(1.0f - t, -0.75f)},
              {clamp_index(i0 + 2, in), cubic(2.0f - t, -0.75f)}};
    }
  }
  return {};
}

std::vector<Taps> axis_taps(std::int64_t in, std::int64_t out, const LatentUpscaleMode& m) {
  std::vector<Taps> taps(static_cast<std::size_t>(out));
  const bool aa =
      m.antialias && (m.mode == InterpolateMode::Bilinear || m.mode == InterpolateMode::Bicubic);
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (std::int64_t i = 0; i < out; ++i) {
    taps[static_cast<std::size_t>(i)] =
        aa ? antialias_taps(i, in, scale, m.mode == InterpolateMode::Bicubic)
           : plain_taps(i, in, out, m.mode);
  }
  return taps;
}

// Resamples axis 1 (rows) or 2 (columns) of a host NHWC array.
std::vector<float> resample_axis(const std::vector<float>& x, const std::array<std::int64_t, 4>& s,
                                 int axis, const std::vector<Taps>& taps) {
  const std::int64_t n = s[0], h = s[1], w = s[2], c = s[3];
  const std::int64_t oh = axis == 1 ? static_cast<std::int64_t>(taps.size()) : h;
  const std::int64_t ow = axis == 2 ? static_cast<std::int64_t>(taps.size()) : w;
  std::vector<float> out(static_cast<std::size_t>(n * oh * ow * c), 0.0f);
  for (std::int64_t b = 0; b < n; ++b) {
    for (std::int64_t y = 0; y < oh; ++y) {
      for (std::int64_t xo = 0; xo < ow; ++xo) {
        float* dst = &out[static_cast<std::size_t>(((b * oh + y) * ow + xo) * c)];
        const Taps& t = taps[static_cast<std::size_t>(axis == 1 ? y : xo)];
        for (const auto& [src, weight] : t) {
          const std::int64_t sy = axis == 1 ? src : y, sx = axis == 2 ? src : xo;
          const float* p = &x[static_cast<std::size_t>(((b * h + sy) * w + sx) * c)];
          for (std::int64_t k = 0; k < c; ++k) dst[k] += weight * p[k];
        }
      }
    }
  }
  return out;
}

}  // namespace

const std::vector<std::string>& latent_upscale_mode_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& m : kModes) out.emplace_back(m.name);
    return out;
  }();
  return names;
}

std::optional<LatentUpscaleMode> find_latent_upscale_mode(std::string_view name) {
  for (const auto& m : kModes) {
    if (m.name == name) return m.mode;
  }
  return std::nullopt;
}

Tensor interpolate_nhwc(const Tensor& x, int out_h, int out_w, const LatentUpscaleMode& mode,
                        Backend& backend) {
  const Shape& s = x.shape();
  if (s.rank() != 4 || s.numel() == 0) {
    throw std::invalid_argument("interpolate: expected a non-empty NHWC tensor, got " + s.str());
  }
  if (out_h < 1 || out_w < 1) {
    throw std::invalid_argument("interpolate: output size " + std::to_string(out_w) + "x" +
                                std::to_string(out_h) + " must be positive");
  }
  std::array<std::int64_t, 4> shape{s[0], s[1], s[2], s[3]};
  std::vector<float> v = x.to_host();
  if (out_w != shape[2]) {
    v = resample_axis(v, shape, 2, axis_taps(shape[2], out_w, mode));
    shape[2] = out_w;
  }
  if (out_h != shape[1]) {
    v = resample_axis(v, shape, 1, axis_taps(shape[1], out_h, mode));
    shape[1] = out_h;
  }
  return Tensor::from_host(backend, Shape{shape[0], shape[1], shape[2], shape[3]}, v);
}

}  // namespace pixforge::pipeline
