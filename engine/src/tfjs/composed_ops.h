// TF.js ops the engine has no dedicated backend op for yet, composed from ops.h (internal to
// the tfjs area; layers_model.cpp and graph_model.cpp share them). Each composition is exact
// in f32 arithmetic up to rounding of sums (selection by one-hot convolutions, maxima as
// a + relu(b - a)); with a bf16 compute type the convolutions round their inputs like any
// other convolution. When the backend grows pooling / depth-to-space / clip ops, these are
// the only functions to switch.
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
  // A [out, in] linear weight made by `make` on first use.
  std::shared_ptr<const PreparedWeight> linear(Backend& backend, const std::string& key,
                                               const Shape& out_in,
                                               const std::function<std::vector<float>()>& make);
  // A constant f32 tensor on `backend` made by `make` on first use.
  Tensor tensor(Backend& backend, const std::string& key, const Shape& shape,
                const std::function<std::vector<float>()>& make);

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const PreparedWeight>> weights_;
  std::map<std::string, Tensor> tensors_;
};

// Window geometry of a pooling op; pads are per side (TF's SAME computed by the caller).
struct PoolSpec {
  int kh = 2, kw = 2, sh = 2, sw = 2;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
};

// TF's SAME padding along one axis for an input of `size`: {before, after}.
std::pair<int, int> same_pads(std::int64_t size, int kernel, int stride, int dilation = 1);

// min(max(x, 0), cap) = relu(x) - relu(x - cap).
Tensor relu_cap(const Tensor& x, float cap);
// max(a, b) = a + relu(b - a).
Tensor maximum(const Tensor& a, const Tensor& b);
// PReLU: x for x > 0, alpha·x otherwise, as relu(x) + neg_alpha·relu(-x) (neg_alpha = -alpha,
// shaped like x's trailing dims).
Tensor prelu(const Tensor& x, const Tensor& neg_alpha);
// Max pooling without padding (padding with -inf has no zero-padded equivalent): one strided
// one-hot depthwise convolution per window offset, then maxima.
Tensor max_pool(const Tensor& x, const PoolSpec& p, ConstCache& cache);
// Average pooling; padded cells are left out of each window's count, as TF does.
Tensor avg_pool(const Tensor& x, const PoolSpec& p, ConstCache& cache);
// Depth-to-space (NHWC, TF's channel order): [N, H, W, r²C] -> [N, rH, rW, C].
Tensor depth_to_space(const Tensor& x, int r, ConstCache& cache);
// Bilinear x2 upsampling with half-pixel centres (TF's ResizeBilinear, align_corners false).
Tensor resize_bilinear_x2(const Tensor& x, ConstCache& cache);
// Zero channels before and after x's own (TF Pad on the channel axis only).
Tensor pad_channels(const Tensor& x, int before, int after);
// Sums any number of same-shaped tensors.
Tensor add_all(const std::vector<Tensor>& xs);
// Joins any number of NHWC tensors along the channels (ops::concat takes up to 4).
Tensor concat_channels(std::vector<Tensor> parts);

}  // namespace pixforge::tfjs::composed
