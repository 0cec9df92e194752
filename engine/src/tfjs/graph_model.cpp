// GraphDef nodes -> engine ops (graph_model.h). Nodes are evaluated on demand from the
// requested outputs, each once, in dependency order.
#include "pixforge/tfjs/graph_model.h"

#include <algorithm>
#include <array>
#include <functional>
#include <mutex>
#include <stdexcept>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge::tfjs {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::runtime_error("tfjs graph-model " + where + ": " + what);
}

std::string base64_decode(const std::string& in) {
  static const std::string kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    const auto pos = kChars.find(c);
    if (pos == std::string::npos) break;  // '=' padding ends the data
    val = (val << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::string attr_string(const json& attr, const char* key) {
  if (!attr.contains(key) || !attr[key].contains("s")) return "";
  return base64_decode(attr[key]["s"].get<std::string>());
}

std::vector<std::int64_t> attr_ints(const json& attr, const char* key) {
  std::vector<std::int64_t> out;
  if (!attr.contains(key) || !attr[key].contains("list") || !attr[key]["list"].contains("i")) return out;
  for (const auto& v : attr[key]["list"]["i"]) out.push_back(std::stoll(v.get<std::string>()));
  return out;
}

std::vector<std::string> attr_strings(const json& attr, const char* key) {
  std::vector<std::string> out;
  if (!attr.contains(key) || !attr[key].contains("list") || !attr[key]["list"].contains("s")) return out;
  for (const auto& v : attr[key]["list"]["s"]) out.push_back(base64_decode(v.get<std::string>()));
  return out;
}

enum class Op { Input, Const, Identity, Conv, Add, Relu, MaxPool, PadChannels, Reshape };

}  // namespace

struct GraphModel::Node {
  std::string name, op_name;
  Op op = Op::Identity;
  std::vector<std::string> inputs;
  HostArray value;  // Const
  std::shared_ptr<const PreparedWeight> weight;
  Activation act = Activation::None;
  int pad_before = 0, pad_after = 0;   // Pad on channels
  std::vector<std::int64_t> shape;     // Reshape target
  bool check_even = false;
  mutable std::mutex pool_mu;  // MaxPool selection weights, prepared per channel count
  mutable std::map<std::int64_t, std::array<std::shared_ptr<const PreparedWeight>, 4>> pool;
};

namespace {

// HWIO (or depthwise [kh, kw, C, m]) host weights -> a prepared convolution.
std::shared_ptr<const PreparedWeight> prepare_conv(Backend& backend, const HostArray& k, const HostArray* bias,
                                                   bool depthwise, const json& attr, const std::string& where,
                                                   bool* check_even) {
  if (k.shape.size() != 4 || k.is_int) fail(where, "filter must be a rank-4 float constant");
  if (attr_string(attr, "data_format") != "" && attr_string(attr, "data_format") != "NHWC") {
    fail(where, "only NHWC is supported");
  }
  const auto strides = attr_ints(attr, "strides");
  const auto dil = attr_ints(attr, "dilations");
  const std::string padding = attr_string(attr, "padding");
  const std::int64_t kh = k.shape[0], kw = k.shape[1], a = k.shape[2], b = k.shape[3];
  Conv2dSpec spec;
  spec.stride_h = strides.size() == 4 ? static_cast<int>(strides[1]) : 1;
  spec.stride_w = strides.size() == 4 ? static_cast<int>(strides[2]) : 1;
  spec.dilation_h = dil.size() == 4 ? static_cast<int>(dil[1]) : 1;
  spec.dilation_w = dil.size() == 4 ? static_cast<int>(dil[2]) : 1;
  if (padding == "SAME") {
    const int eh = (static_cast<int>(kh) - 1) * spec.dilation_h + 1, ew = (static_cast<int>(kw) - 1) * spec.dilation_w + 1;
    const int th = std::max(eh - spec.stride_h, 0), tw = std::max(ew - spec.stride_w, 0);
    spec.pad_top = th / 2;
    spec.pad_bottom = th - th / 2;
    spec.pad_left = tw / 2;
    spec.pad_right = tw - tw / 2;
    *check_even = spec.stride_h > 1 || spec.stride_w > 1;
  } else if (padding != "VALID") {
    fail(where, "padding \"" + padding + "\" is not supported (SAME, VALID)");
  }
  const std::int64_t cout = depthwise ? a * b : b, cin = depthwise ? 1 : a;
  spec.groups = depthwise ? static_cast<int>(a) : 1;
  std::vector<float> w(static_cast<std::size_t>(cout * cin * kh * kw));
  for (std::int64_t y = 0; y < kh; ++y)
    for (std::int64_t x = 0; x < kw; ++x)
      for (std::int64_t i = 0; i < a; ++i)
        for (std::int64_t o = 0; o < b; ++o) {
          const std::int64_t oc = depthwise ? i * b + o : o, ic = depthwise ? 0 : i;
          w[static_cast<std::size_t>(((oc * cin + ic) * kh + y) * kw + x)] =
              k.values[static_cast<std::size_t>(((y * kw + x) * a + i) * b + o)];
        }
  std::unique_ptr<Backend> staging = backend.is_host() ? nullptr : make_reference_backend();
  Backend& host = staging ? *staging : backend;
  const Tensor wt = Tensor::from_host(host, Shape{cout, cin, kh, kw}, w);
  Tensor bt;
  if (bias != nullptr) {
    if (bias->is_int || bias->numel() != cout) fail(where, "bias size does not match the filter");
    bt = Tensor::from_host(host, Shape{cout}, bias->values);
  }
  return ops::prepare_conv2d(backend, wt, bias != nullptr ? &bt : nullptr, spec);
}

std::string input_name(const std::string& s) {
  std::string n = s;
  if (!n.empty() && n[0] == '^') return "";  // control dependency
  const auto colon = n.find(':');
  if (colon != std::string::npos) {
    if (n.substr(colon + 1) != "0") fail(n, "only first outputs of nodes are supported");
    n.resize(colon);
  }
  return n;
}

// max(a, b) = a + relu(b - a): exact, with the engine's elementwise ops.
Tensor maximum(const Tensor& a, const Tensor& b) {
  return ops::add(a, ops::activation(ops::add(b, ops::scale_bias(a, -1.0f, 0.0f)), Activation::Relu));
}

}  // namespace

namespace {

// 2x2/2 max pooling with the engine's ops: four stride-2 depthwise convolutions with one-hot
// kernels pick the window's pixels (exact), then three maxima.
Tensor max_pool(const GraphModel::Node& n, const Tensor& x) {
  if (x.dim(1) % 2 != 0 || x.dim(2) % 2 != 0) {
    fail("node \"" + n.name + "\"", "max pooling needs even sizes, got " + x.shape().str());
  }
  const std::int64_t C = x.dim(3);
  std::array<std::shared_ptr<const PreparedWeight>, 4> picks;
  {
    std::lock_guard<std::mutex> lock(n.pool_mu);
    auto& slot = n.pool[C];
    if (!slot[0]) {
      Backend& be = x.backend();
      std::unique_ptr<Backend> staging = be.is_host() ? nullptr : make_reference_backend();
      Backend& host = staging ? *staging : be;
      Conv2dSpec spec;
      spec.stride_h = spec.stride_w = 2;
      spec.groups = static_cast<int>(C);
      for (int k = 0; k < 4; ++k) {
        std::vector<float> w(static_cast<std::size_t>(C * 4), 0.0f);
        for (std::int64_t c = 0; c < C; ++c) w[static_cast<std::size_t>(c * 4 + k)] = 1.0f;
        slot[static_cast<std::size_t>(k)] =
            ops::prepare_conv2d(be, Tensor::from_host(host, Shape{C, 1, 2, 2}, w), nullptr, spec);
      }
    }
    picks = slot;
  }
  Tensor m = ops::conv2d(x, *picks[0]);
  for (int k = 1; k < 4; ++k) m = maximum(m, ops::conv2d(x, *picks[static_cast<std::size_t>(k)]));
  return m;
}

}  // namespace

GraphModel::GraphModel() = default;
GraphModel::GraphModel(GraphModel&&) noexcept = default;
GraphModel& GraphModel::operator=(GraphModel&&) noexcept = default;
GraphModel::~GraphModel() = default;

GraphModel GraphModel::load(const std::string& path, Backend& backend) {
  const ModelJson m = read_model_json(path);
  return build(m, load_weights(m), backend);
}

GraphModel GraphModel::build(const ModelJson& model, const WeightMap& weights, Backend& backend) {
  if (model.format != ModelFormat::Graph) fail(model.path, "is a layers-model, not a graph-model");
  if (!model.topology.contains("node") || !model.topology["node"].is_array()) fail(model.path, "no nodes");
  GraphModel g;
  g.backend_ = &backend;
  const json& nodes = model.topology["node"];
  // Consts first, so that convolutions can prepare their filters whatever the node order.
  for (const auto& n : nodes) {
    if (!n.is_object() || !n.contains("name") || !n["name"].is_string()) fail(model.path, "node without a name");
    auto node = std::make_unique<Node>();
    node->name = n["name"].get<std::string>();
    node->op_name = n.value("op", std::string());
    if (n.contains("input")) {
      for (const auto& i : n["input"]) {
        if (!i.is_string()) fail(node->name, "bad input");
        const std::string in = input_name(i.get<std::string>());
        if (!in.empty()) node->inputs.push_back(in);
      }
    }
    if (node->op_name == "Const") {
      node->op = Op::Const;
      const auto it = weights.find(node->name);
      if (it == weights.end()) fail("node \"" + node->name + "\"", "constant is missing from the weights");
      node->value = it->second;
    }
    if (!g.nodes_.emplace(node->name, std::move(node)).second) fail(model.path, "duplicate node name");
  }
  auto konst = [&](const Node& n, std::size_t k) -> const HostArray& {
    if (k >= n.inputs.size()) fail("node \"" + n.name + "\"", "missing input");
    const auto it = g.nodes_.find(n.inputs[k]);
    if (it == g.nodes_.end() || it->second->op != Op::Const) {
      fail("node \"" + n.name + "\" (" + n.op_name + ")", "input " + std::to_string(k) + " must be a constant");
    }
    return it->second->value;
  };
  for (const auto& n : nodes) {
    Node& node = *g.nodes_.at(n["name"].get<std::string>());
    const std::string& op = node.op_name;
    const std::string where = "node \"" + node.name + "\" (" + op + ")";
    const json attr = n.contains("attr") ? n["attr"] : json::object();
    for (const auto& in : node.inputs) {
      if (!g.nodes_.count(in)) fail(where, "input \"" + in + "\" does not exist");
    }
    if (op == "Const") continue;
    if (op == "Placeholder") {
      node.op = Op::Input;
    } else if (op == "Identity") {
      node.op = Op::Identity;
    } else if (op == "_FusedConv2D" || op == "FusedDepthwiseConv2dNative" || op == "Conv2D" ||
               op == "DepthwiseConv2dNative") {
      const bool depthwise = op.find("Depthwise") != std::string::npos;
      const bool fused = op[0] == '_' || op.rfind("Fused", 0) == 0;
      const HostArray* bias = nullptr;
      if (fused) {
        const auto fused_ops = attr_strings(attr, "fused_ops");
        if (fused_ops.empty() || fused_ops[0] != "BiasAdd" || fused_ops.size() > 2) {
          fail(where, "fused ops other than BiasAdd[, Relu] are not supported");
        }
        if (fused_ops.size() == 2) {
          if (fused_ops[1] != "Relu") fail(where, "fused activation \"" + fused_ops[1] + "\" is not supported");
          node.act = Activation::Relu;
        }
        bias = &konst(node, 2);
      }
      node.op = Op::Conv;
      node.weight = prepare_conv(backend, konst(node, 1), bias, depthwise, attr, where, &node.check_even);
      node.inputs.resize(1);
    } else if (op == "AddV2" || op == "Add") {
      node.op = Op::Add;
    } else if (op == "Relu") {
      node.op = Op::Relu;
    } else if (op == "MaxPool") {
      const auto k = attr_ints(attr, "ksize"), st = attr_ints(attr, "strides");
      if (k != std::vector<std::int64_t>{1, 2, 2, 1} || st != std::vector<std::int64_t>{1, 2, 2, 1}) {
        fail(where, "only 2x2 max pooling with stride 2 is supported");
      }
      node.op = Op::MaxPool;
      node.check_even = true;  // SAME and VALID agree on even sizes
    } else if (op == "Pad") {
      const HostArray& p = konst(node, 1);
      if (!p.is_int || p.ints.size() != 8) fail(where, "paddings must be a [4, 2] int tensor");
      for (int i = 0; i < 6; ++i) {
        if (p.ints[static_cast<std::size_t>(i)] != 0) fail(where, "only channel padding is supported");
      }
      if (p.ints[6] < 0 || p.ints[7] < 0) fail(where, "negative padding");
      node.op = Op::PadChannels;
      node.pad_before = p.ints[6];
      node.pad_after = p.ints[7];
      node.inputs.resize(1);
    } else if (op == "Reshape") {
      const HostArray& shape = konst(node, 1);
      if (!shape.is_int || shape.ints.empty() || shape.ints.size() > 6) fail(where, "bad target shape");
      node.shape.assign(shape.ints.begin(), shape.ints.end());
      node.op = Op::Reshape;
      node.inputs.resize(1);
    } else {
      fail(where, "op \"" + op + "\" is not supported");
    }
  }
  return g;
}

std::vector<Tensor> GraphModel::run(const Tensor& input, const std::vector<std::string>& outputs) const {
  std::map<std::string, Tensor> done;
  std::vector<std::string> visiting;
  std::function<const Tensor&(const std::string&)> eval = [&](const std::string& name) -> const Tensor& {
    if (auto it = done.find(name); it != done.end()) return it->second;
    const auto nit = nodes_.find(name);
    if (nit == nodes_.end()) fail("output \"" + name + "\"", "no such node");
    const Node& n = *nit->second;
    if (std::find(visiting.begin(), visiting.end(), name) != visiting.end()) fail("node \"" + name + "\"", "cycle");
    visiting.push_back(name);
    auto in = [&](std::size_t k) -> const Tensor& {
      if (k >= n.inputs.size()) fail("node \"" + n.name + "\"", "missing input");
      return eval(n.inputs[k]);
    };
    Tensor out;
    switch (n.op) {
      case Op::Input: out = input; break;
      case Op::Const: fail("node \"" + n.name + "\"", "constant used as a tensor input is not supported");
      case Op::Identity: out = in(0); break;
      case Op::Conv:
        if (n.check_even && (in(0).dim(1) % 2 != 0 || in(0).dim(2) % 2 != 0)) {
          fail("node \"" + n.name + "\"", "strided SAME convolution needs even sizes, got " + in(0).shape().str());
        }
        out = ops::conv2d(in(0), *n.weight, n.act);
        break;
      case Op::Add: out = ops::add(in(0), in(1)); break;
      case Op::Relu: out = ops::activation(in(0), Activation::Relu); break;
      case Op::MaxPool: out = max_pool(n, in(0)); break;
      case Op::PadChannels: {
        const Tensor& x = in(0);
        std::vector<Tensor> parts;
        auto zeros = [&](int c) {
          return Tensor::from_host(x.backend(), Shape{x.dim(0), x.dim(1), x.dim(2), c},
                                   std::vector<float>(static_cast<std::size_t>(x.dim(0) * x.dim(1) * x.dim(2) * c), 0.0f));
        };
        if (n.pad_before > 0) parts.push_back(zeros(n.pad_before));
        parts.push_back(x);
        if (n.pad_after > 0) parts.push_back(zeros(n.pad_after));
        out = parts.size() == 1 ? x : ops::concat(parts, -1);
        break;
      }
      case Op::Reshape: {
        const Tensor& x = in(0);
        Shape s;
        std::int64_t known = 1;
        int infer = -1;
        for (std::size_t i = 0; i < n.shape.size(); ++i) {
          if (n.shape[i] == -1) {
            infer = static_cast<int>(i);
            s.push_back(1);
          } else {
            s.push_back(n.shape[i]);
            known *= n.shape[i];
          }
        }
        if (infer >= 0 && known > 0) s[infer] = x.numel() / known;
        out = x.reshape(s);
        break;
      }
    }
    visiting.pop_back();
    return done.emplace(name, std::move(out)).first->second;
  };
  std::vector<Tensor> result;
  for (const auto& o : outputs) result.push_back(eval(o));
  return result;
}

}  // namespace pixforge::tfjs
