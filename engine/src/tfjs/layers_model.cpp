// Keras topology -> engine ops (layers_model.h). Loading is two passes: parse every layer with
// its host weights, then fold BatchNormalization and ZeroPadding2D into the neighbouring
// convolution, rewrite nearest upsampling (or depth-to-space) + convolution as a phase
// convolution + depth-to-space (upsample_fold.h), and prepare weights on the backend.
#include "pixforge/tfjs/layers_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>

#include "composed_ops.h"
#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"
#include "upsample_fold.h"

namespace pixforge::tfjs {
namespace {

using nlohmann::json;

enum class Kind {
  Input,
  Conv,
  Dense,
  Act,
  Add,
  Concat,
  Upsample,
  Scale,
  Flatten,
  Identity,
  PixelShuffle,
  Relu6,
  AvgPool,
  MaxPool,
  Folded  // an UpSampling2D folded into the convolution it fed: computes nothing
};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::runtime_error("tfjs layers-model " + where + ": " + what);
}

// A layer as parsed, before weights are prepared.
struct Desc {
  std::string name, cls;
  Kind kind = Kind::Identity;
  std::vector<int> inputs;
  int consumers = 0;
  // Convolution (OIHW host weights) or dense ([out, in]).
  std::vector<float> weight, bias;
  std::int64_t cout = 0, cin = 0, kh = 1, kw = 1;
  Conv2dSpec spec;
  bool same_padding = false;
  Activation act = Activation::None;
  bool softmax = false;  // Dense with a softmax activation
  int factor = 1;
  float scale = 1.0f;
  composed::PoolWindow pool;  // pooling window; factor 0 marks global average pooling
  // BatchNormalization parameters, folded into `inputs[0]` later.
  std::vector<float> gamma, beta, mean, var;
  float eps = 1e-3f;
  // ZeroPadding2D pads, folded into the consuming convolution.
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  // A convolution whose input upsampling was folded into it: depth-to-space by this factor
  // after it (0: none), and the multiply-adds per input pixel that are not on zero weights
  // (0: all of them).
  int shuffle = 0;
  std::int64_t useful_macs = 0;
  // A 1x1 convolution over a concatenation it alone read: the input channels of each part
  // (the parts are its inputs), and whether a map to add (its last input) seeds the sum.
  std::vector<std::int64_t> part_channels;
  bool seeded = false;
};

Activation parse_activation(const std::string& name, const std::string& where) {
  if (name == "linear") return Activation::None;
  if (name == "relu") return Activation::Relu;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "tanh") return Activation::Tanh;
  if (name == "swish" || name == "silu") return Activation::Silu;
  fail(where, "activation \"" + name + "\" is not supported (linear, relu, sigmoid, tanh, swish)");
}

std::pair<int, int> pair_of(const json& cfg, const char* key, int dflt, const std::string& where) {
  if (!cfg.contains(key) || cfg[key].is_null()) return {dflt, dflt};
  const json& v = cfg[key];
  if (v.is_number_integer()) return {v.get<int>(), v.get<int>()};
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer()) {
    return {v[0].get<int>(), v[1].get<int>()};
  }
  fail(where, std::string("bad \"") + key + "\"");
}

const HostArray& weight(const WeightMap& w, const std::string& name, std::size_t rank,
                        const std::string& where) {
  const auto it = w.find(name);
  if (it == w.end()) fail(where, "weight \"" + name + "\" is missing from the shards");
  if (it->second.is_int || it->second.shape.size() != rank) {
    fail(where, "weight \"" + name + "\" has the wrong rank or dtype");
  }
  return it->second;
}

// Keras stores weights as "<layer>/<param>" (older exports add a scope: "<layer>/<layer>/..");
// find the one ending in "/<param>" under this layer's name.
std::string weight_name(const WeightMap& w, const std::string& layer, const std::string& param) {
  const std::string direct = layer + "/" + param;
  if (w.count(direct)) return direct;
  for (const auto& [name, _] : w) {
    if (name.rfind(layer + "/", 0) == 0 && name.size() > param.size() &&
        name.compare(name.size() - param.size() - 1, std::string::npos, "/" + param) == 0) {
      return name;
    }
  }
  return direct;
}

void parse_conv(Desc& d, const json& cfg, const WeightMap& w, bool depthwise) {
  const std::string where = "layer \"" + d.name + "\" (" + d.cls + ")";
  if (cfg.value("data_format", std::string("channels_last")) != "channels_last") {
    fail(where, "only channels_last is supported");
  }
  const auto [sh, sw] = pair_of(cfg, "strides", 1, where);
  const auto [dh, dw] = pair_of(cfg, "dilation_rate", 1, where);
  const std::string padding = cfg.value("padding", std::string("valid"));
  if (padding != "same" && padding != "valid") fail(where, "padding \"" + padding + "\"");
  const std::string kname = weight_name(w, d.name, depthwise ? "depthwise_kernel" : "kernel");
  const HostArray& k = weight(w, kname, 4, where);  // HWIO, or [kh, kw, C, multiplier]
  d.kh = k.shape[0];
  d.kw = k.shape[1];
  const std::int64_t a = k.shape[2], b = k.shape[3];
  d.kind = Kind::Conv;
  d.spec.stride_h = sh;
  d.spec.stride_w = sw;
  d.spec.dilation_h = dh;
  d.spec.dilation_w = dw;
  if (depthwise) {
    d.cout = a * b;
    d.cin = 1;
    d.spec.groups = static_cast<int>(a);
  } else {
    const int groups = cfg.value("groups", 1);
    d.cout = b;
    d.cin = a;
    d.spec.groups = groups;
  }
  // HWIO -> OIHW; depthwise [kh, kw, C, m] -> [C*m, 1, kh, kw] (output channel c*m + j).
  d.weight.assign(static_cast<std::size_t>(d.cout * d.cin * d.kh * d.kw), 0.0f);
  for (std::int64_t y = 0; y < d.kh; ++y)
    for (std::int64_t x = 0; x < d.kw; ++x)
      for (std::int64_t i = 0; i < a; ++i)
        for (std::int64_t o = 0; o < b; ++o) {
          const float v = k.values[static_cast<std::size_t>(((y * d.kw + x) * a + i) * b + o)];
          const std::int64_t oc = depthwise ? i * b + o : o;
          const std::int64_t ic = depthwise ? 0 : i;
          d.weight[static_cast<std::size_t>(((oc * d.cin + ic) * d.kh + y) * d.kw + x)] = v;
        }
  if (cfg.value("use_bias", true)) {
    const HostArray& bias = weight(w, weight_name(w, d.name, "bias"), 1, where);
    if (bias.shape[0] != d.cout) fail(where, "bias size does not match the filters");
    d.bias = bias.values;
  }
  if (padding == "same") {
    d.same_padding = true;
    // TF's SAME: total = max(k_eff - stride, 0) for inputs divisible by the stride (checked
    // at run time), the extra pixel going to the bottom/right.
    const int eh = (static_cast<int>(d.kh) - 1) * dh + 1,
              ew = (static_cast<int>(d.kw) - 1) * dw + 1;
    const int th = std::max(eh - sh, 0), tw = std::max(ew - sw, 0);
    d.spec.pad_top = th / 2;
    d.spec.pad_bottom = th - th / 2;
    d.spec.pad_left = tw / 2;
    d.spec.pad_right = tw - tw / 2;
  }
  d.act = parse_activation(cfg.value("activation", std::string("linear")), where);
}

void parse_dense(Desc& d, const json& cfg, const WeightMap& w) {
  const std::string where = "layer \"" + d.name + "\" (Dense)";
  const HostArray& k = weight(w, weight_name(w, d.name, "kernel"), 2, where);  // [in, out]
  d.kind = Kind::Dense;
  d.cin = k.shape[0];
  d.cout = k.shape[1];
  d.weight.resize(k.values.size());
  for (std::int64_t i = 0; i < d.cin; ++i)
    for (std::int64_t o = 0; o < d.cout; ++o)
      d.weight[static_cast<std::size_t>(o * d.cin + i)] =
          k.values[static_cast<std::size_t>(i * d.cout + o)];
  if (cfg.value("use_bias", true))
    d.bias = weight(w, weight_name(w, d.name, "bias"), 1, where).values;
  const std::string act = cfg.value("activation", std::string("linear"));
  d.softmax = act == "softmax";
  d.act = d.softmax ? Activation::None : parse_activation(act, where);
}

void parse_batchnorm(Desc& d, const json& cfg, const WeightMap& w) {
  const std::string where = "layer \"" + d.name + "\" (BatchNormalization)";
  const json axis = cfg.value("axis", json(-1));
  if (!(axis == json(-1) || axis == json(3) || axis == json::array({3}))) {
    fail(where, "only channel-axis batch normalisation is supported");
  }
  d.eps = cfg.value("epsilon", 1e-3f);
  d.mean = weight(w, weight_name(w, d.name, "moving_mean"), 1, where).values;
  d.var = weight(w, weight_name(w, d.name, "moving_variance"), 1, where).values;
  const std::size_t c = d.mean.size();
  d.gamma.assign(c, 1.0f);
  d.beta.assign(c, 0.0f);
  if (cfg.value("scale", true))
    d.gamma = weight(w, weight_name(w, d.name, "gamma"), 1, where).values;
  if (cfg.value("center", true))
    d.beta = weight(w, weight_name(w, d.name, "beta"), 1, where).values;
  if (d.var.size() != c || d.gamma.size() != c || d.beta.size() != c) {
    fail(where, "parameter sizes differ");
  }
}

void parse_layer(Desc& d, const json& cfg, const WeightMap& w) {
  const std::string where = "layer \"" + d.name + "\" (" + d.cls + ")";
  const std::string& c = d.cls;
  if (c == "InputLayer") {
    d.kind = Kind::Input;
  } else if (c == "Conv2D") {
    parse_conv(d, cfg, w, false);
  } else if (c == "DepthwiseConv2D") {
    parse_conv(d, cfg, w, true);
  } else if (c == "Dense") {
    parse_dense(d, cfg, w);
  } else if (c == "Activation") {
    d.kind = Kind::Act;
    d.act = parse_activation(cfg.value("activation", std::string("linear")), where);
  } else if (c == "ReLU") {
    if (cfg.value("negative_slope", 0.0) != 0.0 || cfg.value("threshold", 0.0) != 0.0) {
      fail(where, "leaky/thresholded ReLU has no engine op yet");
    }
    d.kind = Kind::Act;
    d.act = Activation::Relu;
    if (cfg.contains("max_value") && !cfg["max_value"].is_null()) {
      if (!cfg["max_value"].is_number() || cfg["max_value"].get<float>() <= 0)
        fail(where, "bad max_value");
      d.kind = Kind::Relu6;  // any cap m: min(max(x, 0), m)
      d.scale = cfg["max_value"].get<float>();
    }
  } else if (c == "AveragePooling2D" || c == "MaxPooling2D") {
    d.kind = c == "MaxPooling2D" ? Kind::MaxPool : Kind::AvgPool;
    const auto [ph, pw] = pair_of(cfg, "pool_size", 2, where);
    const auto [sh, sw] = pair_of(cfg, "strides", ph, where);
    const std::string padding = cfg.value("padding", std::string("valid"));
    if (padding != "valid" && padding != "same") fail(where, "padding \"" + padding + "\"");
    if (cfg.value("data_format", std::string("channels_last")) != "channels_last") {
      fail(where, "only channels_last is supported");
    }
    if (ph < 1 || pw < 1 || sh < 1 || sw < 1 || ph > 4096 || pw > 4096 || sh > 4096 || sw > 4096) {
      fail(where, "bad pool size or strides");
    }
    d.pool = {ph, pw, sh, sw, padding == "same"};
  } else if (c == "GlobalAveragePooling2D") {
    d.kind = Kind::AvgPool;
    d.factor = 0;  // whole map, then flattened to [N, C]
  } else if (c == "Add") {
    d.kind = Kind::Add;
  } else if (c == "Concatenate") {
    const int axis = cfg.value("axis", -1);
    if (axis != -1 && axis != 3) fail(where, "only channel concatenation is supported");
    d.kind = Kind::Concat;
  } else if (c == "UpSampling2D") {
    const auto [fh, fw] = pair_of(cfg, "size", 2, where);
    if (fh != fw) fail(where, "unequal upsampling factors");
    if (cfg.value("interpolation", std::string("nearest")) != "nearest") {
      fail(where, "only nearest upsampling is supported");
    }
    d.kind = Kind::Upsample;
    d.factor = fh;
  } else if (c == "MultiplyBeta") {
    d.kind = Kind::Scale;
    d.scale = cfg.value("beta", 0.2f);
  } else if (c.rfind("PixelShuffle", 0) == 0) {
    // esrgan-thick's custom depth-to-space layer ("PixelShuffle4x", config "scale").
    d.kind = Kind::PixelShuffle;
    d.factor = cfg.value("scale", 0);
    if (d.factor < 2 || d.factor > 8) fail(where, "bad scale");
  } else if (c == "BatchNormalization") {
    parse_batchnorm(d, cfg, w);
    d.kind = Kind::Identity;  // folded into its input convolution
  } else if (c == "ZeroPadding2D") {
    const json& p = cfg.contains("padding") ? cfg["padding"] : json(1);
    if (p.is_number_integer()) {
      d.pad_top = d.pad_bottom = d.pad_left = d.pad_right = p.get<int>();
    } else if (p.is_array() && p.size() == 2 && p[0].is_array() && p[1].is_array()) {
      d.pad_top = p[0][0].get<int>();
      d.pad_bottom = p[0][1].get<int>();
      d.pad_left = p[1][0].get<int>();
      d.pad_right = p[1][1].get<int>();
    } else {
      fail(where, "bad padding");
    }
    d.kind = Kind::Identity;  // folded into the consuming convolution
  } else if (c == "Flatten") {
    d.kind = Kind::Flatten;
  } else if (c == "Dropout") {
    d.kind = Kind::Identity;  // inference
  } else {
    fail(where, "layer class \"" + c + "\" is not supported");
  }
}

std::vector<std::string> inbound_names(const json& layer, const std::string& where) {
  std::vector<std::string> out;
  if (!layer.contains("inbound_nodes")) return out;
  const json& nodes = layer["inbound_nodes"];
  if (!nodes.is_array() || nodes.size() > 1) fail(where, "shared layers are not supported");
  if (nodes.empty()) return out;
  if (!nodes[0].is_array()) fail(where, "unrecognised inbound_nodes format");
  for (const auto& in : nodes[0]) {
    if (!in.is_array() || in.empty() || !in[0].is_string()) fail(where, "bad inbound node");
    if (in.size() > 2 && in[2] != 0) fail(where, "multi-output layers are not supported");
    out.push_back(in[0].get<std::string>());
  }
  return out;
}

// Folds BatchNormalization into the convolution feeding it: w' = w·γ/√(σ²+ε),
// b' = (b − μ)·γ/√(σ²+ε) + β.
void fold_batchnorm(std::vector<Desc>& ds, Desc& bn) {
  const std::string where = "layer \"" + bn.name + "\" (BatchNormalization)";
  if (bn.inputs.size() != 1) fail(where, "needs one input");
  Desc& conv = ds[static_cast<std::size_t>(bn.inputs[0])];
  if ((conv.kind != Kind::Conv && conv.kind != Kind::Dense) || conv.consumers != 1 ||
      conv.act != Activation::None) {
    fail(where, "only a batch normalisation directly after a linear convolution can run");
  }
  const auto c = static_cast<std::size_t>(conv.cout);
  if (bn.mean.size() != c) fail(where, "channel count differs from its convolution");
  if (conv.bias.empty()) conv.bias.assign(c, 0.0f);
  const std::size_t per = conv.weight.size() / c;
  for (std::size_t o = 0; o < c; ++o) {
    const float k = bn.gamma[o] / std::sqrt(bn.var[o] + bn.eps);
    for (std::size_t i = 0; i < per; ++i) conv.weight[o * per + i] *= k;
    conv.bias[o] = (conv.bias[o] - bn.mean[o]) * k + bn.beta[o];
  }
  bn.mean.clear();
}

// Replaces convolution `d`, fed by the upsampling or depth-to-space layer `up`, with the phase
// convolution `p` reading `up`'s input; `up` then computes nothing.
void apply_phase(Desc& d, Desc& up, PhaseConv p, std::int64_t cin) {
  const std::int64_t r2 = std::int64_t{up.factor} * up.factor;
  std::vector<float> bias;
  for (std::int64_t k = 0; k < r2 && !d.bias.empty(); ++k)
    bias.insert(bias.end(), d.bias.begin(), d.bias.end());
  d.weight = std::move(p.weight);
  d.bias = std::move(bias);
  d.cout *= r2;
  d.cin = cin;
  d.kh = p.kh;
  d.kw = p.kw;
  d.spec = p.spec;
  d.shuffle = up.factor;
  d.inputs[0] = up.inputs[0];
  up.kind = Kind::Folded;
  up.inputs.clear();
  up.consumers = 0;
}

// Rewrites every nearest UpSampling2D or PixelShuffle that feeds only a convolution as that
// convolution's phase form (upsample_fold.h) where the rewrite applies.
void fold_upsampling(std::vector<Desc>& ds, int output) {
  for (auto& d : ds) {
    if (d.kind != Kind::Conv || d.inputs.size() != 1) continue;
    Desc& up = ds[static_cast<std::size_t>(d.inputs[0])];
    if (up.consumers != 1 || up.inputs.size() != 1 ||
        &up == &ds[static_cast<std::size_t>(output)]) {
      continue;
    }
    const std::int64_t r2 = std::int64_t{up.factor} * up.factor;
    if (up.kind == Kind::Upsample) {
      auto phase = fold_upsample_into_conv(d.weight, d.cout, d.cin, d.kh, d.kw, d.spec, up.factor);
      if (phase) apply_phase(d, up, std::move(*phase), d.cin);
    } else if (up.kind == Kind::PixelShuffle) {
      // Only a shuffle of a plain convolution's output with the channels this one expects.
      const Desc& src = ds[static_cast<std::size_t>(up.inputs[0])];
      if (src.kind != Kind::Conv || src.shuffle != 0 || src.cout != r2 * d.cin) continue;
      auto phase = fold_shuffle_into_conv(d.weight, d.cout, d.cin, d.kh, d.kw, d.spec, up.factor);
      if (!phase) continue;
      // The work counted stays the original's: the phase kernel's extra taps are zeros.
      d.useful_macs = r2 * d.cout * d.cin * d.kh * d.kw;
      apply_phase(d, up, std::move(*phase), r2 * d.cin);
    }
  }
}

// An Activation right after a convolution (or dense layer) that only it reads runs as that
// layer's post-op instead of as another pass over the map; the Activation becomes a view.
void fuse_activations(std::vector<Desc>& ds, int output) {
  for (auto& a : ds) {
    if (a.kind != Kind::Act || a.inputs.size() != 1 || a.act == Activation::None) continue;
    Desc& c = ds[static_cast<std::size_t>(a.inputs[0])];
    const bool linear_layer = c.kind == Kind::Conv || (c.kind == Kind::Dense && !c.softmax);
    if (!linear_layer || c.consumers != 1 || c.act != Activation::None ||
        &c == &ds[static_cast<std::size_t>(output)]) {
      continue;
    }
    c.act = a.act;
    a.kind = Kind::Identity;
  }
}

// The channels each layer produces where the topology alone tells them (-1 where it does not),
// in one pass: layers come in topological order (inputs are defined before their readers).
std::vector<std::int64_t> channel_counts(const std::vector<Desc>& ds) {
  std::vector<std::int64_t> out(ds.size(), -1);
  for (std::size_t i = 0; i < ds.size(); ++i) {
    const Desc& d = ds[i];
    const std::int64_t first = d.inputs.empty() ? -1 : out[static_cast<std::size_t>(d.inputs[0])];
    switch (d.kind) {
      case Kind::Conv:
        out[i] = d.shuffle > 1 ? d.cout / (std::int64_t{d.shuffle} * d.shuffle) : d.cout;
        break;
      case Kind::Concat: {
        std::int64_t sum = 0;
        for (int in : d.inputs) {
          const std::int64_t c = out[static_cast<std::size_t>(in)];
          sum = c > 0 && sum >= 0 ? sum + c : -1;
        }
        out[i] = sum;
        break;
      }
      case Kind::Act:
      case Kind::Relu6:
      case Kind::Scale:
      case Kind::Upsample:
      case Kind::Add:
      case Kind::MaxPool:
      case Kind::Identity:
        out[i] = first;
        break;
      default:
        break;
    }
  }
  return out;
}

// A 1x1 convolution over a concatenation that only it reads is the sum of 1x1 convolutions
// over the parts, each with its slice of the input channels (RDN's local and global feature
// fusion): the concatenated map is never built. When the convolution's one reader is an Add,
// the other addend seeds the sum (as the first convolution's residual) and the Add becomes a
// view.
void fold_concat_into_conv(std::vector<Desc>& ds, int output) {
  // Counted before any rewrite: folding keeps every remaining layer's channels.
  const std::vector<std::int64_t> counts = channel_counts(ds);
  for (std::size_t i = 0; i < ds.size(); ++i) {
    Desc& d = ds[i];
    const Conv2dSpec& s = d.spec;
    if (d.kind != Kind::Conv || d.inputs.size() != 1 || d.kh != 1 || d.kw != 1 || s.groups != 1 ||
        s.stride_h != 1 || s.stride_w != 1 || s.pad_top != 0 || s.pad_bottom != 0 ||
        s.pad_left != 0 || s.pad_right != 0 || d.shuffle != 0 || d.act != Activation::None) {
      continue;
    }
    Desc& cat = ds[static_cast<std::size_t>(d.inputs[0])];
    if (cat.kind != Kind::Concat || cat.consumers != 1 || cat.inputs.size() < 2 ||
        &cat == &ds[static_cast<std::size_t>(output)]) {
      continue;
    }
    std::vector<std::int64_t> channels;
    for (int in : cat.inputs) channels.push_back(counts[static_cast<std::size_t>(in)]);
    // Unknown or mismatched: the plain path runs (and reports a mismatch).
    if (counts[static_cast<std::size_t>(d.inputs[0])] != d.cin) continue;
    d.part_channels = std::move(channels);
    d.inputs = cat.inputs;
    cat.kind = Kind::Folded;
    cat.inputs.clear();
    cat.consumers = 0;
    if (d.consumers != 1 || static_cast<int>(i) == output) continue;
    for (std::size_t j = i + 1; j < ds.size(); ++j) {
      Desc& add = ds[j];
      const auto& in = add.inputs;
      if (std::find(in.begin(), in.end(), static_cast<int>(i)) == in.end()) continue;
      const int other = in.size() == 2 ? (in[0] == static_cast<int>(i) ? in[1] : in[0]) : -1;
      if (add.kind == Kind::Add && other >= 0 && other < static_cast<int>(i)) {
        d.inputs.push_back(other);
        d.seeded = true;
        add.kind = Kind::Identity;
        add.inputs = {static_cast<int>(i)};
      }
      break;
    }
  }
}

// esrgan-thick's MultiplyBeta after a linear convolution only it reads scales that
// convolution's weights and bias instead (β·(Wx + b) = (βW)x + βb); the Scale becomes a view.
void fold_scales(std::vector<Desc>& ds, int output) {
  for (auto& sc : ds) {
    if (sc.kind != Kind::Scale || sc.inputs.size() != 1) continue;
    Desc& c = ds[static_cast<std::size_t>(sc.inputs[0])];
    if (c.kind != Kind::Conv || c.consumers != 1 || c.act != Activation::None ||
        !c.part_channels.empty() || &c == &ds[static_cast<std::size_t>(output)]) {
      continue;
    }
    for (float& v : c.weight) v *= sc.scale;
    for (float& v : c.bias) v *= sc.scale;
    sc.kind = Kind::Identity;
  }
}

// An Add of a convolution's output (through views) that nothing else reads, and of a map
// computed before that convolution, runs as the convolution's fused residual; the Add becomes
// a view.
void fold_adds(std::vector<Desc>& ds, int output) {
  for (std::size_t j = 0; j < ds.size(); ++j) {
    Desc& add = ds[j];
    if (add.kind != Kind::Add || add.inputs.size() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      int ci = add.inputs[static_cast<std::size_t>(side)];
      const int other = add.inputs[static_cast<std::size_t>(1 - side)];
      bool alone = true;
      while (ds[static_cast<std::size_t>(ci)].kind == Kind::Identity &&
             ds[static_cast<std::size_t>(ci)].inputs.size() == 1) {
        alone = alone && ds[static_cast<std::size_t>(ci)].consumers == 1 && ci != output;
        ci = ds[static_cast<std::size_t>(ci)].inputs[0];
      }
      Desc& c = ds[static_cast<std::size_t>(ci)];
      if (!alone || c.kind != Kind::Conv || c.consumers != 1 || ci == output || c.seeded ||
          c.shuffle != 0 || c.inputs.size() != 1 || other >= ci) {
        continue;
      }
      c.inputs.push_back(other);
      c.seeded = true;
      add.kind = Kind::Identity;
      add.inputs = {add.inputs[static_cast<std::size_t>(side)]};
      break;
    }
  }
}

// The declared output layer, else the last layer.
int output_index(const ModelJson& model, const json& config,
                 const std::map<std::string, int>& index, std::size_t layers) {
  if (!config.is_object() || !config.contains("output_layers")) return static_cast<int>(layers) - 1;
  const json& outs = config["output_layers"];
  if (!outs.is_array() || outs.size() != 1 || !outs[0].is_array() || outs[0].empty() ||
      !outs[0][0].is_string()) {
    fail(model.path, "exactly one output is supported");
  }
  const auto it = index.find(outs[0][0].get<std::string>());
  if (it == index.end()) fail(model.path, "output layer is not defined");
  return it->second;
}

}  // namespace

struct LayersModel::Layer {
  std::string name, cls;
  Kind kind = Kind::Identity;
  std::vector<int> inputs;
  int last_use = -1;
  std::shared_ptr<const PreparedWeight> weight;
  Activation act = Activation::None;
  int factor = 1;
  float scale = 1.0f;
  bool softmax = false;
  bool check_even = false;  // SAME padding with stride > 1: pads assume divisible sizes
  composed::PoolWindow pool;
  std::int64_t macs_per_pixel = 0;  // per output pixel (conv) or per row (dense)
  int stride = 1;
  int shuffle = 0;  // depth-to-space after the convolution (a folded upsampling)
  // A folded concatenation: one 1x1 convolution per part, summed (fold_concat_into_conv).
  std::vector<std::shared_ptr<const PreparedWeight>> parts;
  bool seeded = false;
};

namespace {

// Pooling with the layer's name on errors; global average pooling is the mean over H and W.
Tensor pool_or_fail(const LayersModel::Layer& l, const Tensor& x) {
  try {
    if (x.rank() != 4) {
      throw std::invalid_argument("pooling needs an NHWC input, got " + x.shape().str());
    }
    if (l.kind == Kind::AvgPool && l.factor == 0) return ops::mean_hw(x);
    return composed::pool(x, l.pool, l.kind == Kind::MaxPool);
  } catch (const std::invalid_argument& e) {
    fail("layer \"" + l.name + "\" (" + l.cls + ")", e.what());
  }
}

// One 1x1 convolution per part of a folded concatenation, each with its slice of the input
// channels; the bias goes with the first.
void prepare_parts(LayersModel::Layer& l, const Desc& d, Backend& host, Backend& backend) {
  std::int64_t first = 0;
  for (std::size_t j = 0; j < d.part_channels.size(); ++j) {
    const std::int64_t cj = d.part_channels[j];
    std::vector<float> w(static_cast<std::size_t>(d.cout * cj));
    for (std::int64_t o = 0; o < d.cout; ++o)
      for (std::int64_t c = 0; c < cj; ++c)
        w[static_cast<std::size_t>(o * cj + c)] =
            d.weight[static_cast<std::size_t>(o * d.cin + first + c)];
    first += cj;
    const Tensor wt = Tensor::from_host(host, Shape{d.cout, cj, 1, 1}, w);
    const Tensor b =
        j == 0 && !d.bias.empty() ? Tensor::from_host(host, Shape{d.cout}, d.bias) : Tensor();
    l.parts.push_back(ops::prepare_conv2d(backend, wt, b.defined() ? &b : nullptr, d.spec));
  }
  l.seeded = d.seeded;
  l.macs_per_pixel = d.cout * d.cin;
}

// The sum of the parts' convolutions, each added to the previous as its fused residual.
Tensor run_parts(const LayersModel::Layer& l, const std::vector<Tensor>& values) {
  Tensor acc;
  if (l.seeded) acc = values[static_cast<std::size_t>(l.inputs.back())];
  for (std::size_t j = 0; j < l.parts.size(); ++j) {
    const Tensor& x = values[static_cast<std::size_t>(l.inputs[j])];
    acc = ops::conv2d(x, *l.parts[j], Activation::None, acc.defined() ? &acc : nullptr);
  }
  return acc;
}

}  // namespace

LayersModel::LayersModel() = default;
LayersModel::LayersModel(LayersModel&&) noexcept = default;
LayersModel& LayersModel::operator=(LayersModel&&) noexcept = default;
LayersModel::~LayersModel() = default;

LayersModel LayersModel::load(const std::string& path, Backend& backend) {
  const ModelJson m = read_model_json(path);
  return build(m, load_weights(m), backend);
}

LayersModel LayersModel::build(const ModelJson& model, const WeightMap& weights, Backend& backend) {
  if (model.format != ModelFormat::Layers) fail(model.path, "is a graph-model, not a layers-model");
  const json& topo =
      model.topology.contains("model_config") ? model.topology["model_config"] : model.topology;
  const std::string cls = topo.value("class_name", std::string());
  if (cls != "Model" && cls != "Functional" && cls != "Sequential") {
    fail(model.path, "model class \"" + cls + "\" is not supported");
  }
  const json& config = topo.contains("config") ? topo["config"] : json::object();
  const json& layers = config.is_array() ? config : config.value("layers", json::array());
  if (!layers.is_array() || layers.empty()) fail(model.path, "no layers");

  std::vector<Desc> ds;
  std::map<std::string, int> index;
  for (const auto& l : layers) {
    Desc d;
    d.cls = l.value("class_name", std::string());
    const json& cfg = l.contains("config") ? l["config"] : json::object();
    d.name = l.contains("name") ? l.value("name", std::string()) : cfg.value("name", std::string());
    const std::string where = "layer \"" + d.name + "\"";
    if (d.name.empty() || index.count(d.name)) fail(model.path, "layer without a unique name");
    parse_layer(d, cfg, weights);
    if (cls == "Sequential") {
      if (!ds.empty()) d.inputs.push_back(static_cast<int>(ds.size()) - 1);
    } else {
      for (const auto& in : inbound_names(l, where)) {
        const auto it = index.find(in);
        if (it == index.end()) fail(where, "input \"" + in + "\" is not defined before it");
        d.inputs.push_back(it->second);
      }
    }
    if (d.kind != Kind::Input && d.inputs.empty()) fail(where, "has no inputs");
    for (int i : d.inputs) ++ds[static_cast<std::size_t>(i)].consumers;
    index[d.name] = static_cast<int>(ds.size());
    ds.push_back(std::move(d));
  }
  // Fold batch norms and zero paddings into their convolutions.
  for (auto& d : ds) {
    if (d.cls == "BatchNormalization") fold_batchnorm(ds, d);
  }
  for (auto& d : ds) {
    if (d.kind != Kind::Conv || d.inputs.size() != 1) continue;
    const Desc& in = ds[static_cast<std::size_t>(d.inputs[0])];
    if (in.cls != "ZeroPadding2D") continue;
    if (d.same_padding) fail("layer \"" + d.name + "\"", "ZeroPadding2D before a SAME convolution");
    d.spec.pad_top += in.pad_top;
    d.spec.pad_bottom += in.pad_bottom;
    d.spec.pad_left += in.pad_left;
    d.spec.pad_right += in.pad_right;
    d.inputs[0] = in.inputs[0];
  }
  for (const auto& d : ds) {
    if (d.cls == "ZeroPadding2D" && d.consumers > 0) {
      // Convolutions were rewired past the padding above; any consumer left is not one.
      bool still_used = false;
      for (const auto& e : ds) {
        for (int i : e.inputs) {
          if (&ds[static_cast<std::size_t>(i)] == &d) still_used = true;
        }
      }
      if (still_used)
        fail("layer \"" + d.name + "\" (ZeroPadding2D)",
             "only padding before a convolution can run");
    }
  }

  const int output = output_index(model, config, index, ds.size());
  fold_upsampling(ds, output);
  fuse_activations(ds, output);
  fold_concat_into_conv(ds, output);
  fold_scales(ds, output);
  fold_adds(ds, output);

  // Prepare weights once (staged on a host backend when `backend` is a device).
  std::unique_ptr<Backend> staging = backend.is_host() ? nullptr : make_reference_backend();
  Backend& host = staging ? *staging : backend;
  LayersModel m;
  for (const auto& d : ds) {
    auto l = std::make_unique<Layer>();
    l->name = d.name;
    l->cls = d.cls;
    l->kind = d.kind;
    l->inputs = d.inputs;
    l->act = d.act;
    l->factor = d.factor;
    l->scale = d.scale;
    l->softmax = d.softmax;
    l->pool = d.pool;
    l->shuffle = d.shuffle;
    if (d.kind == Kind::PixelShuffle) {
      const Desc& src = ds[static_cast<std::size_t>(d.inputs[0])];
      const std::int64_t r2 = std::int64_t{d.factor} * d.factor;
      const std::int64_t src_channels =
          src.shuffle > 1 ? src.cout / (std::int64_t{src.shuffle} * src.shuffle) : src.cout;
      if (src.kind != Kind::Conv || src_channels % r2 != 0) {
        fail("layer \"" + d.name + "\"",
             "PixelShuffle must follow a convolution with channels divisible by scale²");
      }
    }
    if (!d.part_channels.empty()) {
      prepare_parts(*l, d, host, backend);
    } else if (d.kind == Kind::Conv || d.kind == Kind::Dense) {
      const bool conv = d.kind == Kind::Conv;
      const Shape ws = conv ? Shape{d.cout, d.cin, d.kh, d.kw} : Shape{d.cout, d.cin};
      const Tensor w = Tensor::from_host(host, ws, d.weight);
      const Tensor b = d.bias.empty() ? Tensor() : Tensor::from_host(host, Shape{d.cout}, d.bias);
      const Tensor* bp = d.bias.empty() ? nullptr : &b;
      l->weight =
          conv ? ops::prepare_conv2d(backend, w, bp, d.spec) : ops::prepare_linear(backend, w, bp);
      l->macs_per_pixel = d.useful_macs > 0 ? d.useful_macs : d.cout * d.cin * d.kh * d.kw;
      l->stride = d.spec.stride_h;
      l->check_even = d.same_padding && (d.spec.stride_h > 1 || d.spec.stride_w > 1);
      l->seeded = d.seeded;
    }
    m.layers_.push_back(std::move(l));
  }
  m.output_ = output;
  for (std::size_t i = 0; i < m.layers_.size(); ++i) {
    for (int in : m.layers_[i]->inputs)
      m.layers_[static_cast<std::size_t>(in)]->last_use = static_cast<int>(i);
  }
  return m;
}

Tensor LayersModel::run(const Tensor& input) const {
  std::vector<Tensor> values(layers_.size());
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = *layers_[i];
    auto in = [&](std::size_t k) -> const Tensor& {
      return values[static_cast<std::size_t>(l.inputs[k])];
    };
    switch (l.kind) {
      case Kind::Input:
        values[i] = input;
        break;
      case Kind::Identity:
        values[i] = in(0);
        break;
      case Kind::Conv:
        if (!l.parts.empty()) {
          values[i] = run_parts(l, values);
          break;
        }
        if (l.check_even && (in(0).dim(1) % l.stride != 0 || in(0).dim(2) % l.stride != 0)) {
          fail("layer \"" + l.name + "\"",
               "SAME padding with stride needs sizes divisible by it, got " + in(0).shape().str());
        }
        values[i] = ops::conv2d(in(0), *l.weight, l.act, l.seeded ? &in(1) : nullptr);
        if (l.shuffle > 1) values[i] = ops::depth_to_space(values[i], l.shuffle);
        break;
      case Kind::Folded:
        break;
      case Kind::Dense:
        values[i] = ops::linear(in(0), *l.weight, l.act);
        if (l.softmax) values[i] = ops::softmax(values[i]);
        break;
      case Kind::Relu6:
        values[i] = ops::clip(in(0), 0.0f, l.scale);
        break;
      case Kind::AvgPool: {
        const Tensor y = pool_or_fail(l, in(0));
        values[i] = l.factor == 0 ? y.reshape(Shape{y.dim(0), y.dim(3)}) : y;
        break;
      }
      case Kind::MaxPool:
        values[i] = pool_or_fail(l, in(0));
        break;
      case Kind::Act:
        values[i] = l.act == Activation::None ? in(0) : ops::activation(in(0), l.act);
        break;
      case Kind::Add: {
        Tensor acc = ops::add(in(0), in(1));
        for (std::size_t k = 2; k < l.inputs.size(); ++k) acc = ops::add(acc, in(k));
        values[i] = acc;
        break;
      }
      case Kind::Concat: {
        std::vector<Tensor> parts;
        for (std::size_t k = 0; k < l.inputs.size(); ++k) parts.push_back(in(k));
        values[i] = composed::concat_channels(std::move(parts));
        break;
      }
      case Kind::Upsample:
        values[i] = ops::upsample_nearest(in(0), l.factor);
        break;
      case Kind::PixelShuffle:
        values[i] = ops::depth_to_space(in(0), l.factor);
        break;
      case Kind::Scale:
        values[i] = ops::scale_bias(in(0), l.scale, 0.0f);
        break;
      case Kind::Flatten: {
        const Tensor& x = in(0);
        values[i] = x.reshape(Shape{x.dim(0), x.numel() / std::max<std::int64_t>(x.dim(0), 1)});
        break;
      }
    }
    // Drop every input whose last consumer this was (activations dominate memory).
    for (int k : l.inputs) {
      if (layers_[static_cast<std::size_t>(k)]->last_use == static_cast<int>(i) && k != output_) {
        values[static_cast<std::size_t>(k)] = Tensor();
      }
    }
  }
  return values[static_cast<std::size_t>(output_)];
}

std::vector<std::string> LayersModel::layer_classes() const {
  std::vector<std::string> out;
  for (const auto& l : layers_) out.push_back(l->cls);
  return out;
}

double LayersModel::conv_macs(std::int64_t h, std::int64_t w) const {
  // Upscalers keep the input resolution until the upsampling tail; track the scale factor.
  double macs = 0, pixels = static_cast<double>(h * w);
  std::vector<double> px(layers_.size(), pixels);
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = *layers_[i];
    double p = l.inputs.empty() ? pixels : px[static_cast<std::size_t>(l.inputs[0])];
    if (l.kind == Kind::Upsample) p *= l.factor * l.factor;
    if ((l.kind == Kind::MaxPool || l.kind == Kind::AvgPool) && l.factor != 0)
      p /= l.pool.sh * l.pool.sw;
    if (l.kind == Kind::Conv) {
      p /= static_cast<double>(l.stride * l.stride);
      macs += p * static_cast<double>(l.macs_per_pixel);
      p *= static_cast<double>(l.shuffle > 1 ? l.shuffle * l.shuffle : 1);
    }
    if (l.kind == Kind::Dense) macs += static_cast<double>(l.macs_per_pixel);
    px[i] = p;
  }
  return macs;
}

}  // namespace pixforge::tfjs
