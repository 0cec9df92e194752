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

Tensor pool(const Tensor& x, const PoolWindow& w, bool max) {
  check_nhwc(x, max ? "max pooling" : "average pooling");
  const Pool2dSpec spec = ops::pool2d_spec(x.dim(1), x.dim(2), w.kh, w.kw, w.sh, w.sw,
                                           w.same ? ops::Padding::Same : ops::Padding::Valid);
  return max ? ops::max_pool2d(x, spec) : ops::avg_pool2d(x, spec);
}

Tensor prelu(const Tensor& x, const PreparedWeight& neg_alpha) {
  const Tensor pos = ops::activation(x, Activation::Relu);
  const Tensor neg = ops::activation(ops::scale_bias(x, -1.0f), Activation::Relu);
  return ops::conv2d(neg, neg_alpha, Activation::None, &pos);
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
