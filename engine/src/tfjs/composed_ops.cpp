// Compositions of engine ops for TF.js ops without a backend op yet (composed_ops.h).
#include "composed_ops.h"

#include <algorithm>
#include <stdexcept>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge::tfjs::composed {
namespace {

std::string shape_key(const Tensor& x) { return x.shape().str(); }

// Host weights are staged on a host backend when the target is a device.
template <class F>
auto with_host(Backend& backend, F&& f) {
  std::unique_ptr<Backend> staging = backend.is_host() ? nullptr : make_reference_backend();
  return f(staging ? *staging : backend);
}

void check_nhwc(const Tensor& x, const char* what) {
  if (x.rank() != 4)
    throw std::invalid_argument(std::string(what) + ": needs an NHWC tensor, got " +
                                x.shape().str());
}

// Output size of a window sliding over `size` (pads included) with the given stride.
std::int64_t pooled(std::int64_t size, int k, int s, int before, int after) {
  const std::int64_t span = size + before + after - k;
  return span < 0 ? 0 : span / s + 1;
}

}  // namespace

std::shared_ptr<const PreparedWeight> ConstCache::conv(
    Backend& backend, const std::string& key, const Shape& oihw, const Conv2dSpec& spec,
    const std::function<std::vector<float>()>& make) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = weights_[key];
  if (!slot) {
    slot = with_host(backend, [&](Backend& host) {
      return ops::prepare_conv2d(backend, Tensor::from_host(host, oihw, make()), nullptr, spec);
    });
  }
  return slot;
}

std::shared_ptr<const PreparedWeight> ConstCache::linear(
    Backend& backend, const std::string& key, const Shape& out_in,
    const std::function<std::vector<float>()>& make) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = weights_[key];
  if (!slot) {
    slot = with_host(backend, [&](Backend& host) {
      return ops::prepare_linear(backend, Tensor::from_host(host, out_in, make()), nullptr);
    });
  }
  return slot;
}

Tensor ConstCache::tensor(Backend& backend, const std::string& key, const Shape& shape,
                          const std::function<std::vector<float>()>& make) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = tensors_[key];
  if (!slot.defined()) slot = Tensor::from_host(backend, shape, make());
  return slot;
}

std::pair<int, int> same_pads(std::int64_t size, int kernel, int stride, int dilation) {
  const std::int64_t eff = std::int64_t{kernel - 1} * dilation + 1;
  const std::int64_t out = (size + stride - 1) / stride;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + eff - size, 0);
  return {static_cast<int>(total / 2), static_cast<int>(total - total / 2)};
}

Tensor relu_cap(const Tensor& x, float cap) {
  const Tensor low = ops::activation(x, Activation::Relu);
  const Tensor over = ops::activation(ops::scale_bias(x, 1.0f, -cap), Activation::Relu);
  return ops::add(low, ops::scale_bias(over, -1.0f));
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  return ops::add(a, ops::activation(ops::add(b, ops::scale_bias(a, -1.0f)), Activation::Relu));
}

Tensor prelu(const Tensor& x, const Tensor& neg_alpha) {
  const Tensor pos = ops::activation(x, Activation::Relu);
  const Tensor neg = ops::activation(ops::scale_bias(x, -1.0f), Activation::Relu);
  return ops::add(pos, ops::mul(neg, neg_alpha));
}

Tensor max_pool(const Tensor& x, const PoolSpec& p, ConstCache& cache) {
  check_nhwc(x, "max pooling");
  if (p.pad_top != 0 || p.pad_bottom != 0 || p.pad_left != 0 || p.pad_right != 0) {
    throw std::invalid_argument("max pooling with padding is not supported (input " +
                                x.shape().str() + ")");
  }
  if (x.dim(1) < p.kh || x.dim(2) < p.kw) {
    throw std::invalid_argument("max pooling window larger than its input " + x.shape().str());
  }
  const std::int64_t C = x.dim(3);
  Conv2dSpec spec;
  spec.stride_h = p.sh;
  spec.stride_w = p.sw;
  spec.groups = static_cast<int>(C);
  Tensor m;
  for (int dy = 0; dy < p.kh; ++dy) {
    for (int dx = 0; dx < p.kw; ++dx) {
      const std::string key = "maxpick " + std::to_string(C) + " " + std::to_string(p.kh) + "x" +
                              std::to_string(p.kw) + "/" + std::to_string(p.sh) + "x" +
                              std::to_string(p.sw) + " @" + std::to_string(dy) + "," +
                              std::to_string(dx);
      const auto w = cache.conv(x.backend(), key, Shape{C, 1, p.kh, p.kw}, spec, [&] {
        std::vector<float> v(static_cast<std::size_t>(C * p.kh * p.kw), 0.0f);
        for (std::int64_t c = 0; c < C; ++c)
          v[static_cast<std::size_t>((c * p.kh + dy) * p.kw + dx)] = 1.0f;
        return v;
      });
      const Tensor pick = ops::conv2d(x, *w);
      m = m.defined() ? maximum(m, pick) : pick;
    }
  }
  return m;
}

Tensor avg_pool(const Tensor& x, const PoolSpec& p, ConstCache& cache) {
  check_nhwc(x, "average pooling");
  const std::int64_t H = x.dim(1), W = x.dim(2), C = x.dim(3);
  const std::int64_t oh = pooled(H, p.kh, p.sh, p.pad_top, p.pad_bottom);
  const std::int64_t ow = pooled(W, p.kw, p.sw, p.pad_left, p.pad_right);
  if (oh <= 0 || ow <= 0)
    throw std::invalid_argument("average pooling window larger than its input " + x.shape().str());
  const bool padded = p.pad_top + p.pad_bottom + p.pad_left + p.pad_right > 0;
  Conv2dSpec spec;
  spec.stride_h = p.sh;
  spec.stride_w = p.sw;
  spec.pad_top = p.pad_top;
  spec.pad_bottom = p.pad_bottom;
  spec.pad_left = p.pad_left;
  spec.pad_right = p.pad_right;
  spec.groups = static_cast<int>(C);
  const std::string geo = std::to_string(p.kh) + "x" + std::to_string(p.kw) + "/" +
                          std::to_string(p.sh) + "x" + std::to_string(p.sw) + " pads " +
                          std::to_string(p.pad_top) + "," + std::to_string(p.pad_bottom) + "," +
                          std::to_string(p.pad_left) + "," + std::to_string(p.pad_right);
  // Unpadded windows all hold kh·kw cells: average directly. Padded ones sum, then divide by
  // each output's count of real cells.
  const float k = padded ? 1.0f : 1.0f / static_cast<float>(p.kh * p.kw);
  const auto w =
      cache.conv(x.backend(), "avg " + std::to_string(C) + " " + geo, Shape{C, 1, p.kh, p.kw}, spec,
                 [&] { return std::vector<float>(static_cast<std::size_t>(C * p.kh * p.kw), k); });
  const Tensor sum = ops::conv2d(x, *w);
  if (!padded) return sum;
  const Tensor inv =
      cache.tensor(x.backend(), "avgcount " + shape_key(x) + " " + geo, Shape{oh, ow, C}, [&] {
        std::vector<float> v(static_cast<std::size_t>(oh * ow * C));
        for (std::int64_t y = 0; y < oh; ++y) {
          const std::int64_t y0 = y * p.sh - p.pad_top;
          const std::int64_t ny =
              std::min<std::int64_t>(y0 + p.kh, H) - std::max<std::int64_t>(y0, 0);
          for (std::int64_t xx = 0; xx < ow; ++xx) {
            const std::int64_t x0 = xx * p.sw - p.pad_left;
            const std::int64_t nx =
                std::min<std::int64_t>(x0 + p.kw, W) - std::max<std::int64_t>(x0, 0);
            const float inv_count = 1.0f / static_cast<float>(std::max<std::int64_t>(ny * nx, 1));
            std::fill_n(v.begin() + (y * ow + xx) * C, C, inv_count);
          }
        }
        return v;
      });
  return ops::mul(sum, inv);
}

Tensor depth_to_space(const Tensor& x, int r, ConstCache& cache) {
  check_nhwc(x, "depth-to-space");
  const std::int64_t K = x.dim(3), r2 = std::int64_t{r} * r;
  if (r < 2 || K % r2 != 0) {
    throw std::invalid_argument("depth-to-space by " + std::to_string(r) + " of " +
                                x.shape().str());
  }
  const std::int64_t H = x.dim(1) * r, W = x.dim(2) * r, C = K / r2;
  // Nearest upsampling, a 0/1 mask keeping channel group (y % r)·r + (x % r) at each output
  // pixel, and a projection summing the groups: every output sums one non-zero term.
  const Tensor mask = cache.tensor(
      x.backend(), "d2s mask " + shape_key(x) + " " + std::to_string(r), Shape{H, W, K}, [&] {
        std::vector<float> m(static_cast<std::size_t>(H * W * K), 0.0f);
        for (std::int64_t y = 0; y < H; ++y)
          for (std::int64_t xx = 0; xx < W; ++xx) {
            const std::int64_t g = (y % r) * r + (xx % r);
            std::fill_n(m.begin() + (y * W + xx) * K + g * C, C, 1.0f);
          }
        return m;
      });
  const auto gather = cache.linear(
      x.backend(), "d2s gather " + std::to_string(K) + " " + std::to_string(r), Shape{C, K}, [&] {
        std::vector<float> g(static_cast<std::size_t>(C * K), 0.0f);
        for (std::int64_t c = 0; c < C; ++c)
          for (std::int64_t k = 0; k < r2; ++k)
            g[static_cast<std::size_t>(c * K + k * C + c)] = 1.0f;
        return g;
      });
  return ops::linear(ops::mul(ops::upsample_nearest(x, r), mask), *gather);
}

Tensor resize_bilinear_x2(const Tensor& x, ConstCache& cache) {
  check_nhwc(x, "bilinear resize");
  const std::int64_t H = x.dim(1) * 2, W = x.dim(2) * 2, C = x.dim(3);
  // On the nearest-upsampled map, half-pixel bilinear x2 is the separable kernel
  // [1/4, 1/2, 1/4]: output 2i sees x[i-1]/4 + 3x[i]/4, output 2i+1 sees 3x[i]/4 + x[i+1]/4.
  // TF clamps at the borders; with zero padding the missing tap's weight is dropped instead,
  // so dividing by the weight that fell inside restores the clamped value exactly.
  Conv2dSpec spec;
  spec.pad_top = spec.pad_bottom = spec.pad_left = spec.pad_right = 1;
  spec.groups = static_cast<int>(C);
  const auto w =
      cache.conv(x.backend(), "bilinear2 " + std::to_string(C), Shape{C, 1, 3, 3}, spec, [&] {
        const float k[3] = {0.25f, 0.5f, 0.25f};
        std::vector<float> v(static_cast<std::size_t>(C * 9));
        for (std::int64_t c = 0; c < C; ++c)
          for (int i = 0; i < 9; ++i) v[static_cast<std::size_t>(c * 9 + i)] = k[i / 3] * k[i % 3];
        return v;
      });
  const Tensor inv =
      cache.tensor(x.backend(), "bilinear2 norm " + shape_key(x), Shape{H, W, C}, [&] {
        auto inside = [](std::int64_t j, std::int64_t n) {
          return (j == 0 || j == n - 1) ? 0.75f : 1.0f;
        };
        std::vector<float> v(static_cast<std::size_t>(H * W * C));
        for (std::int64_t y = 0; y < H; ++y)
          for (std::int64_t xx = 0; xx < W; ++xx) {
            std::fill_n(v.begin() + (y * W + xx) * C, C, 1.0f / (inside(y, H) * inside(xx, W)));
          }
        return v;
      });
  return ops::mul(ops::conv2d(ops::upsample_nearest(x, 2), *w), inv);
}

Tensor pad_channels(const Tensor& x, int before, int after) {
  check_nhwc(x, "channel padding");
  std::vector<Tensor> parts;
  auto zeros = [&](int c) {
    return Tensor::from_host(
        x.backend(), Shape{x.dim(0), x.dim(1), x.dim(2), c},
        std::vector<float>(static_cast<std::size_t>(x.dim(0) * x.dim(1) * x.dim(2) * c), 0.0f));
  };
  if (before > 0) parts.push_back(zeros(before));
  parts.push_back(x);
  if (after > 0) parts.push_back(zeros(after));
  return parts.size() == 1 ? x : ops::concat(parts, -1);
}

Tensor add_all(const std::vector<Tensor>& xs) {
  if (xs.empty()) throw std::invalid_argument("sum of no tensors");
  Tensor acc = xs[0];
  for (std::size_t i = 1; i < xs.size(); ++i) acc = ops::add(acc, xs[i]);
  return acc;
}

Tensor concat_channels(std::vector<Tensor> parts) {
  if (parts.empty()) throw std::invalid_argument("concatenation of no tensors");
  while (parts.size() > 4) {
    std::vector<Tensor> next;
    for (std::size_t i = 0; i < parts.size(); i += 4) {
      const std::size_t n = std::min<std::size_t>(4, parts.size() - i);
      next.push_back(n == 1 ? parts[i]
                            : ops::concat(std::vector<Tensor>(
                                              parts.begin() + static_cast<std::ptrdiff_t>(i),
                                              parts.begin() + static_cast<std::ptrdiff_t>(i + n)),
                                          -1));
    }
    parts = std::move(next);
  }
  return parts.size() == 1 ? parts[0] : ops::concat(parts, -1);
}

}  // namespace pixforge::tfjs::composed
