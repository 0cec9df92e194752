// TF.js ops the engine has no dedicated backend op for, composed from ops.h (internal to the
// tfjs area; layers_model.cpp and graph_model.cpp share them), and the glue between TF's
// pooling attributes and the backend's pooling ops. Each composition is exact in f32 up to the
// rounding of its sums; with a bf16 compute type its convolutions round their inputs like any
// other convolution. A new backend op replaces its composition here and nowhere else.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pixforge/core/backend.h"

namespace pixforge::tfjs::composed {

// Weights and constant tensors the compositions build per shape, made once and reused across
// runs (thread-safe: several threads may run one model).
class ConstCache {
 public:
  // A depthwise/dense convolution prepared from host OIHW weights made by `make` on first use.
  std::shared_ptr<const PreparedWeight> conv(Backend& backend, const std::string& key,
                                             const Shape& oihw, const Conv2dSpec& spec,
                                             const std::function<std::vector<float>()>& make);
  // A constant f32 tensor on `backend` made by `make` on first use.
  Tensor tensor(Backend& backend, const std::string& key, const Shape& shape,
                const std::function<std::vector<float>()>& make);

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const PreparedWeight>> weights_;
  std::map<std::string, Tensor> tensors_;
};

// TF's SAME padding along one axis for an input of `size`: {before, after}.
std::pair<int, int> same_pads(std::int64_t size, int kernel, int stride, int dilation = 1);

// A pooling window as TF names it (kernel, strides, SAME or VALID).
struct PoolWindow {
  int kh = 2, kw = 2, sh = 2, sw = 2;
  bool same = false;
};
// Max or average (padding excluded from the count) pooling on the backend's pooling ops.
Tensor pool(const Tensor& x, const PoolWindow& w, bool max);
// PReLU: x for x > 0, alpha·x otherwise, as relu(x) + conv(relu(-x)) where `neg_alpha` is a
// prepared 1x1 depthwise convolution scaling channel c by -alpha[c] (the sum is its fused
// residual).
Tensor prelu(const Tensor& x, const PreparedWeight& neg_alpha);
// Bilinear x2 upsampling with half-pixel centres (TF's ResizeBilinear, align_corners false).
Tensor resize_bilinear_x2(const Tensor& x, ConstCache& cache);
// Sums any number of same-shaped tensors.
Tensor add_all(const std::vector<Tensor>& xs);
// Joins any number of NHWC tensors along the channels (ops::concat takes up to 4).
Tensor concat_channels(std::vector<Tensor> parts);

}  // namespace pixforge::tfjs::composed
