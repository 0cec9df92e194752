// Separable resampling: per output coordinate, a normalised list of (source index, weight)
// taps, applied along x then along y in f32, rounded to 8 bits in between (PIL's order). Filters
// widen by the reduction factor when shrinking (PIL's convention), so downscaled images are
// antialiased.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "pixforge/image/convert.h"

namespace pixforge {
namespace {

struct Taps {
  std::vector<int> first;      // first source index per output index
  std::vector<int> count;      // taps per output index
  std::vector<float> weights;  // count[i] weights from offset i * stride
  int stride = 0;
};

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= std::numbers::pi;
  return std::sin(x) / x;
}

double lanczos3(double x) { return (x > -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0; }

double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// PIL's NEAREST: the source pixel under the destination pixel's centre.
Taps nearest_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  Taps taps;
  taps.stride = 1;
  taps.first.resize(out_size);
  taps.count.assign(out_size, 1);
  taps.weights.assign(static_cast<std::size_t>(out_size), 1.0f);
  for (int i = 0; i < out_size; ++i) {
    taps.first[i] = std::min(in_size - 1, static_cast<int>(std::floor((i + 0.5) * scale)));
  }
  return taps;
}

Taps make_taps(int in_size, int out_size, ResizeFilter filter) {
  if (filter == ResizeFilter::Nearest) return nearest_taps(in_size, out_size);
  const double scale = static_cast<double>(in_size) / out_size;
  const double stretch = std::max(scale, 1.0);
  const double base_support = filter == ResizeFilter::Lanczos3  ? 3.0
                              : filter == ResizeFilter::Bicubic ? 2.0
                                                                : 0.5;
  const double support = base_support * stretch;
  Taps taps;
  taps.stride = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.first.resize(out_size);
  taps.count.resize(out_size);
  taps.weights.assign(static_cast<std::size_t>(out_size) * taps.stride, 0.0f);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    const int lo = std::max(0, static_cast<int>(std::floor(center - support)));
    const int hi = std::min(in_size, static_cast<int>(std::ceil(center + support)));
    std::vector<double> w;
    double total = 0;
    for (int j = lo; j < hi && static_cast<int>(w.size()) < taps.stride; ++j) {
      double v;
      if (filter == ResizeFilter::Area) {
        // Exact coverage of source pixel [j, j+1) by the destination pixel's footprint.
        const double a = std::max<double>(j, center - scale / 2);
        const double b = std::min<double>(j + 1, center + scale / 2);
        v = std::max(0.0, b - a);
      } else {
        const double x = (j + 0.5 - center) / stretch;
        v = filter == ResizeFilter::Lanczos3 ? lanczos3(x) : bicubic(x);
      }
      w.push_back(v);
      total += v;
    }
    taps.first[i] = lo;
    taps.count[i] = static_cast<int>(w.size());
    for (std::size_t k = 0; k < w.size(); ++k) {
      taps.weights[static_cast<std::size_t>(i) * taps.stride + k] =
          static_cast<float>(total != 0.0 ? w[k] / total : 0.0);
    }
  }
  return taps;
}

}  // namespace

Image resize_image(const Image& image, int width, int height, ResizeFilter filter) {
  if (width <= 0 || height <= 0) {
    throw ImageError("resize target must be positive, got " + std::to_string(width) + "x" +
                     std::to_string(height));
  }
  if (image.empty()) throw ImageError("cannot resize an empty image");
  const int ch = image.channels;
  const Taps tx = make_taps(image.width, width, filter);
  const Taps ty = make_taps(image.height, height, filter);
  // Pass 1: along x, for every source row.
  std::vector<float> mid(static_cast<std::size_t>(image.height) * width * ch);
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* src = image.row(y);
    float* dst = &mid[static_cast<std::size_t>(y) * width * ch];
    for (int x = 0; x < width; ++x) {
      const float* w = &tx.weights[static_cast<std::size_t>(x) * tx.stride];
      for (int c = 0; c < ch; ++c) {
        float acc = 0;
        for (int k = 0; k < tx.count[x]; ++k) acc += w[k] * src[(tx.first[x] + k) * ch + c];
        // Rounded and clamped to 8 bits between passes, as PIL does: Lanczos overshoot is
        // cut before the second pass sees it.
        dst[x * ch + c] = std::clamp(std::nearbyint(acc), 0.0f, 255.0f);
      }
    }
  }
  // Pass 2: along y.
  Image out = Image::blank(width, height, ch);
  const std::size_t row = static_cast<std::size_t>(width) * ch;
  std::vector<float> acc(row);
  for (int y = 0; y < height; ++y) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    const float* w = &ty.weights[static_cast<std::size_t>(y) * ty.stride];
    for (int k = 0; k < ty.count[y]; ++k) {
      const float* src = &mid[static_cast<std::size_t>(ty.first[y] + k) * row];
      for (std::size_t i = 0; i < row; ++i) acc[i] += w[k] * src[i];
    }
    std::uint8_t* dst = out.row(y);
    for (std::size_t i = 0; i < row; ++i) {
      dst[i] = static_cast<std::uint8_t>(std::clamp(std::lround(acc[i]), 0L, 255L));
    }
  }
  return out;
}

}  // namespace pixforge
