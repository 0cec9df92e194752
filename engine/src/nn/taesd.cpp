// Tiny autoencoder layers, rebuilt from the Sequential indices in the weight file:
//   "<i>.conv.0.weight"  -> residual Block (+ "<i>.pool.*": FLUX.2 GroupNorm mid-branch)
//   "<i>.weight"         -> 3x3 conv (encoder: a conv without bias is the stride-2 downsampler)
//   no weights at <i>    -> decoder: 0 = input clamp tanh(x/3)*3, 2 = ReLU, others = nearest x2
#include "pixforge/nn/taesd.h"

#include <map>
#include <stdexcept>
#include <string>

#include "pixforge/core/ops.h"
#include "pixforge/nn/weights.h"

namespace pixforge::nn {

constexpr Conv2dSpec kTinyConv{.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
constexpr Conv2dSpec kTinyDown{
    .stride_h = 2, .stride_w = 2, .pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1};

class TinyLayer {
 public:
  virtual ~TinyLayer() = default;
  virtual Tensor forward(const Tensor& x) const = 0;
};

namespace {

class TinyConv final : public TinyLayer {
 public:
  TinyConv(WeightReader& r, const std::string& p, const Conv2dSpec& spec)
      : w_(r.conv(p, spec, false)) {}
  Tensor forward(const Tensor& x) const override { return ops::conv2d(x, *w_); }
  std::int64_t out_channels() const { return w_->shape()[0]; }
  std::int64_t in_channels() const { return w_->shape()[1]; }

 private:
  std::shared_ptr<const PreparedWeight> w_;
};

class TinyBlock final : public TinyLayer {
 public:
  TinyBlock(WeightReader& r, const std::string& p)
      : c0_(r.conv(p + "conv.0.", kTinyConv)),
        c2_(r.conv(p + "conv.2.", kTinyConv)),
        c4_(r.conv(p + "conv.4.", kTinyConv)) {
    if (r.has(p + "skip.weight")) skip_ = r.linear(p + "skip.", false);
    if (r.has(p + "pool.0.weight")) {
      pool_in_ = r.linear(p + "pool.0.", false);
      const std::int64_t wide = pool_in_->shape()[0];
      pool_norm_ = Norm(r, p + "pool.1.", wide, 4, 1e-5f);  // GroupNorm(4, 4*C)
      pool_out_ = r.linear(p + "pool.3.", false);
    }
  }
  Tensor forward(const Tensor& in) const override {
    Tensor x = in;  // [B,H,W,C]
    if (pool_in_) {
      const Tensor p = pool_norm_.group(ops::linear(x, *pool_in_), Activation::Relu);  // [.,4C]
      x = ops::linear(p, *pool_out_, Activation::None, &x);  // [B,H,W,C] x + pool(x)
    }
    Tensor h = ops::conv2d(x, *c0_, Activation::Relu);       // [B,H,W,C]
    h = ops::conv2d(h, *c2_, Activation::Relu);              // [B,H,W,C]
    const Tensor skip = skip_ ? ops::linear(x, *skip_) : x;  // [B,H,W,C]
    return ops::activation(ops::conv2d(h, *c4_, Activation::None, &skip), Activation::Relu);
  }

 private:
  std::shared_ptr<const PreparedWeight> c0_, c2_, c4_, skip_, pool_in_, pool_out_;
  Norm pool_norm_;
};

class TinyActivation final : public TinyLayer {
 public:
  explicit TinyActivation(Activation act) : act_(act) {}
  Tensor forward(const Tensor& x) const override { return ops::activation(x, act_); }

 private:
  Activation act_;
};

class TinyClamp final : public TinyLayer {
 public:
  Tensor forward(const Tensor& x) const override {  // tanh(x/3)*3: soft limit to (-3, 3)
    return ops::scale_bias(ops::activation(ops::scale_bias(x, 1.0f / 3.0f), Activation::Tanh),
                           3.0f);
  }
};

class TinyUpsample final : public TinyLayer {
 public:
  Tensor forward(const Tensor& x) const override { return ops::upsample_nearest(x, 2); }
};

// Sequential index -> which of its tensors exist ("conv.0.weight", "weight", "bias", ...).
std::map<int, std::vector<std::string>> by_index(const TensorSource& w) {
  std::map<int, std::vector<std::string>> out;
  for (const TensorInfo& t : w.tensors()) {
    const std::size_t dot = t.name.find('.');
    const std::string head = t.name.substr(0, dot);
    if (dot == std::string::npos || head.empty() || head.size() > 4 ||
        head.find_first_not_of("0123456789") != std::string::npos) {
      throw ModelFormatError("tiny autoencoder" + (w.origin().empty() ? "" : " " + w.origin()) +
                             ": unexpected tensor '" + t.name + "' (expected '<index>.<name>')");
    }
    out[std::stoi(head)].push_back(t.name.substr(dot + 1));
  }
  if (out.empty()) throw ModelFormatError("tiny autoencoder " + w.origin() + ": no tensors");
  return out;
}

bool holds(const std::vector<std::string>& names, const std::string& n) {
  for (const std::string& s : names) {
    if (s == n) return true;
  }
  return false;
}

enum class Role { Encoder, Decoder };

std::vector<std::unique_ptr<TinyLayer>> build(const TensorSource& w, Backend& backend, Role role,
                                              int& latent_channels) {
  WeightReader r(w, backend);
  const auto entries = by_index(w);
  std::vector<std::unique_ptr<TinyLayer>> layers;
  const int last = entries.rbegin()->first;
  for (int i = 0; i <= last; ++i) {
    const std::string p = std::to_string(i) + ".";
    const auto it = entries.find(i);
    if (it == entries.end()) {
      if (role == Role::Encoder) {
        throw ModelFormatError("tiny encoder " + w.origin() + ": no weights at layer " +
                               std::to_string(i));
      }
      if (i == 0) {
        layers.push_back(std::make_unique<TinyClamp>());
      } else if (i == 2) {
        layers.push_back(std::make_unique<TinyActivation>(Activation::Relu));
      } else {
        layers.push_back(std::make_unique<TinyUpsample>());
      }
    } else if (holds(it->second, "conv.0.weight")) {
      layers.push_back(std::make_unique<TinyBlock>(r, p));
    } else if (holds(it->second, "weight")) {
      const bool down = role == Role::Encoder && !holds(it->second, "bias");
      auto conv = std::make_unique<TinyConv>(r, p, down ? kTinyDown : kTinyConv);
      if (role == Role::Encoder && i == last)
        latent_channels = static_cast<int>(conv->out_channels());
      if (role == Role::Decoder && i == 1) latent_channels = static_cast<int>(conv->in_channels());
      layers.push_back(std::move(conv));
    } else {
      throw ModelFormatError("tiny autoencoder " + w.origin() + ": layer " + std::to_string(i) +
                             " has neither a block nor a conv weight");
    }
  }
  r.check_all_used("");
  if (latent_channels == 0) {
    throw ModelFormatError("tiny autoencoder " + w.origin() +
                           ": layout not recognised (no latent-side convolution)");
  }
  return layers;
}

Tensor run(const std::vector<std::unique_ptr<TinyLayer>>& layers, Tensor x, const StageHook& hook) {
  for (std::size_t i = 0; i < layers.size(); ++i) {
    x = layers[i]->forward(x);
    if (hook) hook(std::to_string(i), x);
  }
  return x;
}

void check_input(const char* what, const Tensor& x, std::int64_t channels, std::int64_t multiple) {
  if (x.rank() != 4 || x.dim(3) != channels || x.dim(1) == 0 || x.dim(2) == 0 ||
      x.dim(1) % multiple != 0 || x.dim(2) % multiple != 0) {
    throw std::invalid_argument(std::string("tiny autoencoder: ") + what + " " + x.shape().str() +
                                " must be [B,H,W," + std::to_string(channels) +
                                "] with H, W positive multiples of " + std::to_string(multiple));
  }
}

}  // namespace

TinyEncoder::TinyEncoder(const TensorSource& weights, Backend& backend)
    : layers_(build(weights, backend, Role::Encoder, latent_channels_)) {}
TinyEncoder::~TinyEncoder() = default;

Tensor TinyEncoder::encode(const Tensor& image, const StageHook& hook) const {
  check_input("image", image, 3, 8);
  return run(layers_, image, hook);  // [B,H/8,W/8,latent]
}

TinyDecoder::TinyDecoder(const TensorSource& weights, Backend& backend)
    : layers_(build(weights, backend, Role::Decoder, latent_channels_)) {}
TinyDecoder::~TinyDecoder() = default;

Tensor TinyDecoder::decode(const Tensor& latent, const StageHook& hook) const {
  check_input("latent", latent, latent_channels_, 1);
  return run(layers_, latent, hook);  // [B,8h,8w,3]
}

}  // namespace pixforge::nn
