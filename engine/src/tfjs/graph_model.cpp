// GraphDef nodes -> engine ops (graph_model.h). Nodes are evaluated on demand from the
// requested outputs, each once, in dependency order. Constant operands are resolved at load:
// filters and biases become prepared weights, scalars fold into scale_bias, vectors become
// backend tensors.
#include "pixforge/tfjs/graph_model.h"

#include <algorithm>
#include <array>
#include <functional>
#include <stdexcept>

#include "composed_ops.h"
#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge::tfjs {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::runtime_error("tfjs graph-model " + where + ": " + what);
}

std::string base64_decode(const std::string& in) {
  static const std::string kChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    const auto pos = kChars.find(c);
    if (pos == std::string::npos) break;  // '=' padding ends the data
    val = ((val << 6) + static_cast<int>(pos)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

// Attribute readers: a missing or malformed attribute reads as absent (callers decide whether
// that is an error).
std::string attr_string(const json& attr, const char* key) {
  if (!attr.contains(key) || !attr[key].is_object() || !attr[key].contains("s") ||
      !attr[key]["s"].is_string()) {
    return "";
  }
  return base64_decode(attr[key]["s"].get<std::string>());
}

bool attr_bool(const json& attr, const char* key, bool dflt) {
  if (!attr.contains(key) || !attr[key].is_object() || !attr[key].contains("b") ||
      !attr[key]["b"].is_boolean()) {
    return dflt;
  }
  return attr[key]["b"].get<bool>();
}

float attr_float(const json& attr, const char* key, float dflt) {
  if (!attr.contains(key) || !attr[key].is_object() || !attr[key].contains("f") ||
      !attr[key]["f"].is_number()) {
    return dflt;
  }
  return attr[key]["f"].get<float>();
}

const json* attr_list(const json& attr, const char* key, const char* kind) {
  if (!attr.contains(key) || !attr[key].is_object() || !attr[key].contains("list")) return nullptr;
  const json& l = attr[key]["list"];
  if (!l.is_object() || !l.contains(kind) || !l[kind].is_array()) return nullptr;
  return &l[kind];
}

std::vector<std::int64_t> attr_ints(const json& attr, const char* key, const std::string& where) {
  std::vector<std::int64_t> out;
  const json* l = attr_list(attr, key, "i");
  if (l == nullptr) return out;
  for (const auto& v : *l) {
    try {
      if (v.is_string()) {
        out.push_back(std::stoll(v.get<std::string>()));
      } else if (v.is_number_integer()) {
        out.push_back(v.get<std::int64_t>());
      } else {
        fail(where, std::string("attribute \"") + key + "\" holds a non-integer");
      }
    } catch (const std::logic_error&) {
      fail(where, std::string("attribute \"") + key + "\" holds a bad integer");
    }
  }
  return out;
}

std::vector<std::string> attr_strings(const json& attr, const char* key) {
  std::vector<std::string> out;
  const json* l = attr_list(attr, key, "s");
  if (l == nullptr) return out;
  for (const auto& v : *l) {
    if (v.is_string()) out.push_back(base64_decode(v.get<std::string>()));
  }
  return out;
}

enum class Op {
  Input,
  Const,
  Identity,
  Conv,
  Deconv,
  MatMul,
  Binary,
  AddN,
  Act,
  MaxPool,
  AvgPool,
  Mean,
  Pad,
  Concat,
  Reshape,
  Squeeze,
  Softmax,
  Resize2x
};
// What follows a convolution / matmul, or a standalone activation node.
enum class Post { None, Relu, Relu6, Prelu, Leaky, Sigmoid, Tanh };
enum class Bin { Add, Sub, Mul };

// A constant's shape without leading 1s: what ops::add/mul broadcast over trailing dims.
Shape trailing_shape(const HostArray& a) {
  std::size_t first = 0;
  while (first + 1 < a.shape.size() && a.shape[first] == 1) ++first;
  Shape s;
  for (std::size_t i = first; i < a.shape.size(); ++i) s.push_back(a.shape[i]);
  if (s.rank() == 0) s.push_back(1);
  return s;
}

}  // namespace

struct GraphModel::Node {
  std::string name, op_name;
  Op op = Op::Identity;
  std::vector<std::string> inputs;
  HostArray value;  // Const
  std::shared_ptr<const PreparedWeight> weight;
  std::shared_ptr<const PreparedWeight> weight2;  // Prelu: the 1x1 depthwise -alpha scaling
  Post post = Post::None;
  float alpha = 0.0f;  // LeakyRelu
  Tensor operand;      // Prelu's -alpha; Binary's constant operand
  Bin bin = Bin::Add;
  int const_side = -1;  // Binary: which input is the constant (-1: none)
  bool scalar = false;  // Binary: the constant is one number (`alpha` holds it)
  composed::PoolWindow pool;
  bool keep_dims = false;
  std::vector<std::array<std::int64_t, 2>> pads;  // Pad: {before, after} per NHWC dim
  std::vector<std::int64_t> shape;  // Reshape target; Squeeze dims; Deconv/Resize output size
  int factor = 1;                   // Deconv stride
  bool check_even = false;
  std::string where() const { return "node \"" + name + "\" (" + op_name + ")"; }
};

namespace {

using Node = GraphModel::Node;

Tensor host_tensor(Backend& backend, const Shape& shape, const std::vector<float>& values) {
  return Tensor::from_host(backend, shape, values);
}

// HWIO (or depthwise [kh, kw, C, m]) host weights -> a prepared convolution.
std::shared_ptr<const PreparedWeight> prepare_conv(Backend& backend, const HostArray& k,
                                                   const HostArray* bias, bool depthwise,
                                                   const json& attr, const std::string& where,
                                                   bool* check_even) {
  if (k.shape.size() != 4 || k.is_int) fail(where, "filter must be a rank-4 float constant");
  if (attr_string(attr, "data_format") != "" && attr_string(attr, "data_format") != "NHWC") {
    fail(where, "only NHWC is supported");
  }
  const auto strides = attr_ints(attr, "strides", where);
  const auto dil = attr_ints(attr, "dilations", where);
  const std::string padding = attr_string(attr, "padding");
  const std::int64_t kh = k.shape[0], kw = k.shape[1], a = k.shape[2], b = k.shape[3];
  if (kh < 1 || kw < 1 || a < 1 || b < 1 || kh > 64 || kw > 64) fail(where, "bad filter shape");
  Conv2dSpec spec;
  spec.stride_h = strides.size() == 4 ? static_cast<int>(strides[1]) : 1;
  spec.stride_w = strides.size() == 4 ? static_cast<int>(strides[2]) : 1;
  spec.dilation_h = dil.size() == 4 ? static_cast<int>(dil[1]) : 1;
  spec.dilation_w = dil.size() == 4 ? static_cast<int>(dil[2]) : 1;
  if (spec.stride_h < 1 || spec.stride_w < 1 || spec.stride_h > 64 || spec.stride_w > 64 ||
      spec.dilation_h < 1 || spec.dilation_w < 1 || spec.dilation_h > 64 || spec.dilation_w > 64) {
    fail(where, "bad strides or dilations");
  }
  if (padding == "SAME") {
    // TF's SAME for inputs divisible by the stride (checked at run time).
    const auto [pt, pb] =
        composed::same_pads(spec.stride_h, static_cast<int>(kh), spec.stride_h, spec.dilation_h);
    const auto [pl, pr] =
        composed::same_pads(spec.stride_w, static_cast<int>(kw), spec.stride_w, spec.dilation_w);
    spec.pad_top = pt;
    spec.pad_bottom = pb;
    spec.pad_left = pl;
    spec.pad_right = pr;
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
  const Tensor wt = host_tensor(host, Shape{cout, cin, kh, kw}, w);
  Tensor bt;
  if (bias != nullptr) {
    if (bias->is_int || bias->numel() != cout) fail(where, "bias size does not match the filter");
    bt = host_tensor(host, Shape{cout}, bias->values);
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

// Parses the graph's nodes; constants keep their decoded weights.
class Builder {
 public:
  Builder(const ModelJson& model, const WeightMap& weights, Backend& backend,
          std::map<std::string, std::unique_ptr<Node>>& nodes)
      : model_(model), weights_(weights), backend_(backend), nodes_(nodes) {}

  void read_nodes();
  void resolve(const json& n);

 private:
  const HostArray& konst(const Node& n, std::size_t k) const;
  bool is_const(const Node& n, std::size_t k) const;
  Tensor const_tensor(const HostArray& a, float sign) const;
  std::shared_ptr<const PreparedWeight> prelu_weight(const HostArray& alpha,
                                                     const std::string& where) const;
  void conv(Node& node, const json& attr);
  void deconv(Node& node, const json& attr);
  void matmul(Node& node, const json& attr);
  void binary(Node& node, Bin bin);
  void activation(Node& node, const json& attr);
  void pooling(Node& node, const json& attr);
  void simple(Node& node, const json& attr);
  void post_op(Node& node, const std::string& fused, std::size_t alpha_input);

  const ModelJson& model_;
  const WeightMap& weights_;
  Backend& backend_;
  std::map<std::string, std::unique_ptr<Node>>& nodes_;
};

void Builder::read_nodes() {
  for (const auto& n : model_.topology["node"]) {
    if (!n.is_object() || !n.contains("name") || !n["name"].is_string())
      fail(model_.path, "node without a name");
    auto node = std::make_unique<Node>();
    node->name = n["name"].get<std::string>();
    if (n.contains("op") && !n["op"].is_string()) fail(node->name, "op is not a string");
    node->op_name = n.value("op", std::string());
    if (n.contains("input")) {
      if (!n["input"].is_array()) fail(node->where(), "inputs are not a list");
      for (const auto& i : n["input"]) {
        if (!i.is_string()) fail(node->where(), "bad input");
        const std::string in = input_name(i.get<std::string>());
        if (!in.empty()) node->inputs.push_back(in);
      }
    }
    if (node->op_name == "Const") {
      node->op = Op::Const;
      const auto it = weights_.find(node->name);
      if (it == weights_.end())
        fail("node \"" + node->name + "\"", "constant is missing from the weights");
      node->value = it->second;
    }
    const std::string name = node->name;
    if (!nodes_.emplace(name, std::move(node)).second)
      fail(model_.path, "duplicate node name \"" + name + "\"");
  }
}

bool Builder::is_const(const Node& n, std::size_t k) const {
  if (k >= n.inputs.size()) return false;
  const auto it = nodes_.find(n.inputs[k]);
  return it != nodes_.end() && it->second->op == Op::Const;
}

const HostArray& Builder::konst(const Node& n, std::size_t k) const {
  if (k >= n.inputs.size()) fail(n.where(), "missing input " + std::to_string(k));
  if (!is_const(n, k)) fail(n.where(), "input " + std::to_string(k) + " must be a constant");
  return nodes_.at(n.inputs[k])->value;
}

Tensor Builder::const_tensor(const HostArray& a, float sign) const {
  if (a.is_int) fail(model_.path, "integer constant used as a float operand");
  std::vector<float> v = a.values;
  for (float& x : v) x *= sign;
  return host_tensor(backend_, trailing_shape(a), v);
}

// PReLU's negative side as a 1x1 depthwise convolution scaling channel c by -alpha[c].
std::shared_ptr<const PreparedWeight> Builder::prelu_weight(const HostArray& alpha,
                                                            const std::string& where) const {
  if (alpha.is_int || alpha.values.empty()) fail(where, "alpha must be a float constant");
  const auto c = static_cast<std::int64_t>(alpha.values.size());
  std::vector<float> w(alpha.values.size());
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = -alpha.values[i];
  Conv2dSpec spec;
  spec.groups = static_cast<int>(c);
  std::unique_ptr<Backend> staging = backend_.is_host() ? nullptr : make_reference_backend();
  Backend& host = staging ? *staging : backend_;
  return ops::prepare_conv2d(backend_, host_tensor(host, Shape{c, 1, 1, 1}, w), nullptr, spec);
}

void Builder::post_op(Node& node, const std::string& fused, std::size_t alpha_input) {
  if (fused.empty()) return;
  if (fused == "Relu") {
    node.post = Post::Relu;
  } else if (fused == "Relu6") {
    node.post = Post::Relu6;
  } else if (fused == "Prelu") {
    node.post = Post::Prelu;
    node.weight2 = prelu_weight(konst(node, alpha_input), node.where());
  } else {
    fail(node.where(), "fused activation \"" + fused + "\" is not supported (Relu, Relu6, Prelu)");
  }
}

void Builder::conv(Node& node, const json& attr) {
  const std::string& op = node.op_name;
  const bool depthwise = op.find("Depthwise") != std::string::npos;
  const bool fused = op[0] == '_' || op.rfind("Fused", 0) == 0;
  const HostArray* bias = nullptr;
  std::string act;
  if (fused) {
    const auto fused_ops = attr_strings(attr, "fused_ops");
    if (fused_ops.empty() || fused_ops[0] != "BiasAdd" || fused_ops.size() > 2) {
      fail(node.where(), "fused ops other than BiasAdd[, activation] are not supported");
    }
    if (fused_ops.size() == 2) act = fused_ops[1];
    bias = &konst(node, 2);
  }
  node.op = Op::Conv;
  node.weight =
      prepare_conv(backend_, konst(node, 1), bias, depthwise, attr, node.where(), &node.check_even);
  post_op(node, act, 3);
  node.inputs.resize(1);
}

// Transposed convolution whose kernel equals its stride: the windows do not overlap, so it is
// a 1x1 convolution to stride²·Cout channels followed by depth-to-space.
void Builder::deconv(Node& node, const json& attr) {
  const HostArray& sizes = konst(node, 0);
  const HostArray& k = konst(node, 1);  // [kh, kw, Cout, Cin]
  if (!sizes.is_int || sizes.ints.size() != 4) fail(node.where(), "output size must be 4 integers");
  if (k.is_int || k.shape.size() != 4) fail(node.where(), "filter must be a rank-4 float constant");
  const auto strides = attr_ints(attr, "strides", node.where());
  const std::int64_t s = k.shape[0];
  if (strides.size() != 4 || strides[1] != s || strides[2] != s || k.shape[1] != s || s < 1 ||
      s > 16) {
    fail(node.where(), "only transposed convolutions with kernel = stride (square) are supported");
  }
  const std::string padding = attr_string(attr, "padding");
  if (padding != "SAME" && padding != "VALID")
    fail(node.where(), "padding \"" + padding + "\" is not supported");
  // [s, s, Cout, Cin] is already OIHW for a 1x1 convolution with output channel
  // (a·s + b)·Cout + o: depth-to-space's channel order.
  const std::int64_t cout = k.shape[2], cin = k.shape[3];
  const std::vector<float>& w = k.values;
  std::unique_ptr<Backend> staging = backend_.is_host() ? nullptr : make_reference_backend();
  Backend& host = staging ? *staging : backend_;
  node.weight = ops::prepare_conv2d(backend_, host_tensor(host, Shape{s * s * cout, cin, 1, 1}, w),
                                    nullptr, {});
  node.factor = static_cast<int>(s);
  node.shape.assign(sizes.ints.begin(), sizes.ints.end());
  node.op = Op::Deconv;
  node.inputs = {node.inputs.size() > 2 ? node.inputs[2] : ""};
  if (node.inputs[0].empty()) fail(node.where(), "missing input");
}

void Builder::matmul(Node& node, const json& attr) {
  if (attr_bool(attr, "transpose_a", false)) fail(node.where(), "transpose_a is not supported");
  const bool tb = attr_bool(attr, "transpose_b", false);
  const HostArray& k = konst(node, 1);
  if (k.is_int || k.shape.size() != 2)
    fail(node.where(), "weights must be a rank-2 float constant");
  const std::int64_t in = tb ? k.shape[1] : k.shape[0], out = tb ? k.shape[0] : k.shape[1];
  std::vector<float> w(static_cast<std::size_t>(in * out));
  for (std::int64_t o = 0; o < out; ++o)
    for (std::int64_t i = 0; i < in; ++i) {
      w[static_cast<std::size_t>(o * in + i)] =
          k.values[static_cast<std::size_t>(tb ? o * in + i : i * out + o)];
    }
  std::string act;
  const HostArray* bias = nullptr;
  if (node.op_name == "_FusedMatMul") {
    const auto fused_ops = attr_strings(attr, "fused_ops");
    if (fused_ops.empty() || fused_ops[0] != "BiasAdd" || fused_ops.size() > 2) {
      fail(node.where(), "fused ops other than BiasAdd[, activation] are not supported");
    }
    if (fused_ops.size() == 2) act = fused_ops[1];
    bias = &konst(node, 2);
    if (bias->is_int || bias->numel() != out)
      fail(node.where(), "bias size does not match the weights");
  }
  std::unique_ptr<Backend> staging = backend_.is_host() ? nullptr : make_reference_backend();
  Backend& host = staging ? *staging : backend_;
  const Tensor wt = host_tensor(host, Shape{out, in}, w);
  const Tensor bt = bias != nullptr ? host_tensor(host, Shape{out}, bias->values) : Tensor();
  node.weight = ops::prepare_linear(backend_, wt, bias != nullptr ? &bt : nullptr);
  post_op(node, act, 3);
  node.op = Op::MatMul;
  node.inputs.resize(1);
}

void Builder::binary(Node& node, Bin bin) {
  if (node.inputs.size() != 2) fail(node.where(), "needs two inputs");
  node.op = Op::Binary;
  node.bin = bin;
  const bool c0 = is_const(node, 0), c1 = is_const(node, 1);
  if (c0 && c1) fail(node.where(), "both operands are constants");
  if (!c0 && !c1) return;
  node.const_side = c0 ? 0 : 1;
  const HostArray& c = konst(node, static_cast<std::size_t>(node.const_side));
  if (c.is_int) fail(node.where(), "integer operands are not supported");
  if (c.numel() == 1) {
    node.scalar = true;
    node.alpha = c.values[0];
  } else {
    // x - c adds -c; c - x negates x and adds c.
    const float sign = bin == Bin::Sub && node.const_side == 1 ? -1.0f : 1.0f;
    node.operand = const_tensor(c, sign);
  }
  node.inputs = {node.inputs[static_cast<std::size_t>(1 - node.const_side)]};
}

void Builder::activation(Node& node, const json& attr) {
  node.op = Op::Act;
  const std::string& op = node.op_name;
  if (op == "Relu") node.post = Post::Relu;
  if (op == "Relu6") node.post = Post::Relu6;
  if (op == "Sigmoid") node.post = Post::Sigmoid;
  if (op == "Tanh") node.post = Post::Tanh;
  if (op == "LeakyRelu") {
    node.post = Post::Leaky;
    node.alpha = attr_float(attr, "alpha", 0.2f);
  }
  if (op == "Prelu") {
    node.post = Post::Prelu;
    node.weight2 = prelu_weight(konst(node, 1), node.where());
  }
  node.inputs.resize(std::min<std::size_t>(node.inputs.size(), 1));
}

void Builder::pooling(Node& node, const json& attr) {
  const auto k = attr_ints(attr, "ksize", node.where()),
             st = attr_ints(attr, "strides", node.where());
  if (k.size() != 4 || st.size() != 4 || k[0] != 1 || k[3] != 1 || st[0] != 1 || st[3] != 1) {
    fail(node.where(), "needs 4-element NHWC ksize and strides pooling over H and W only");
  }
  for (std::size_t i = 1; i < 3; ++i) {
    if (k[i] < 1 || k[i] > 4096 || st[i] < 1 || st[i] > 4096)
      fail(node.where(), "bad window or stride");
  }
  if (attr_string(attr, "data_format") != "" && attr_string(attr, "data_format") != "NHWC") {
    fail(node.where(), "only NHWC is supported");
  }
  const std::string padding = attr_string(attr, "padding");
  if (padding != "SAME" && padding != "VALID")
    fail(node.where(), "padding \"" + padding + "\" is not supported");
  node.pool = {static_cast<int>(k[1]), static_cast<int>(k[2]), static_cast<int>(st[1]),
               static_cast<int>(st[2]), padding == "SAME"};
  node.op = node.op_name == "MaxPool" ? Op::MaxPool : Op::AvgPool;
}

// Nodes with no weights to prepare.
void Builder::simple(Node& node, const json& attr) {
  const std::string& op = node.op_name;
  if (op == "Pad") {
    // Zero padding of an NHWC tensor, any axis.
    const HostArray& p = konst(node, 1);
    if (!p.is_int || p.ints.size() != 8) fail(node.where(), "paddings must be a [4, 2] int tensor");
    for (std::size_t d = 0; d < 4; ++d) {
      const std::int64_t before = p.ints[2 * d], after = p.ints[2 * d + 1];
      if (before < 0 || after < 0 || before > 65536 || after > 65536)
        fail(node.where(), "bad padding");
      node.pads.push_back({before, after});
    }
    node.op = Op::Pad;
    node.inputs.resize(1);
  } else if (op == "Reshape") {
    const HostArray& shape = konst(node, 1);
    if (!shape.is_int || shape.ints.empty() || shape.ints.size() > 6)
      fail(node.where(), "bad target shape");
    node.shape.assign(shape.ints.begin(), shape.ints.end());
    node.op = Op::Reshape;
    node.inputs.resize(1);
  } else if (op == "Squeeze") {
    node.shape = attr_ints(attr, "squeeze_dims", node.where());
    node.op = Op::Squeeze;
  } else if (op == "Mean") {
    const HostArray& axes = konst(node, 1);
    std::vector<std::int32_t> a = axes.ints;
    std::sort(a.begin(), a.end());
    if (!axes.is_int || a != std::vector<std::int32_t>{1, 2})
      fail(node.where(), "only the mean over H and W is supported");
    node.keep_dims = attr_bool(attr, "keep_dims", false);
    node.op = Op::Mean;
    node.inputs.resize(1);
  } else if (op == "ConcatV2") {
    if (node.inputs.size() < 2) fail(node.where(), "needs inputs and an axis");
    const HostArray& axis = konst(node, node.inputs.size() - 1);
    if (!axis.is_int || axis.ints.size() != 1 || (axis.ints[0] != -1 && axis.ints[0] != 3)) {
      fail(node.where(), "only channel concatenation is supported");
    }
    node.inputs.pop_back();
    node.op = Op::Concat;
  } else if (op == "ResizeBilinear") {
    const HostArray& size = konst(node, 1);
    if (!size.is_int || size.ints.size() != 2) fail(node.where(), "size must be 2 integers");
    if (!attr_bool(attr, "half_pixel_centers", false) || attr_bool(attr, "align_corners", false)) {
      fail(node.where(), "only half-pixel-centre resizing is supported");
    }
    node.shape.assign(size.ints.begin(), size.ints.end());
    node.op = Op::Resize2x;
    node.inputs.resize(1);
  } else if (op == "Softmax") {
    node.op = Op::Softmax;
  } else if (op == "AddN") {
    node.op = Op::AddN;
  } else {
    fail(node.where(), "op \"" + op + "\" is not supported");
  }
}

void Builder::resolve(const json& n) {
  Node& node = *nodes_.at(n["name"].get<std::string>());
  const std::string& op = node.op_name;
  const json attr = n.contains("attr") && n["attr"].is_object() ? n["attr"] : json::object();
  for (const auto& in : node.inputs) {
    if (!nodes_.count(in)) fail(node.where(), "input \"" + in + "\" does not exist");
  }
  if (op == "Const") return;
  if (op == "Placeholder") {
    node.op = Op::Input;
  } else if (op == "Identity") {
    node.op = Op::Identity;
  } else if (op == "_FusedConv2D" || op == "FusedDepthwiseConv2dNative" || op == "Conv2D" ||
             op == "DepthwiseConv2dNative") {
    conv(node, attr);
  } else if (op == "Conv2DBackpropInput") {
    deconv(node, attr);
  } else if (op == "MatMul" || op == "_FusedMatMul") {
    matmul(node, attr);
  } else if (op == "AddV2" || op == "Add" || op == "BiasAdd") {
    binary(node, Bin::Add);
  } else if (op == "Sub") {
    binary(node, Bin::Sub);
  } else if (op == "Mul") {
    binary(node, Bin::Mul);
  } else if (op == "Relu" || op == "Relu6" || op == "Sigmoid" || op == "Tanh" ||
             op == "LeakyRelu" || op == "Prelu") {
    activation(node, attr);
  } else if (op == "MaxPool" || op == "AvgPool") {
    pooling(node, attr);
  } else {
    simple(node, attr);
  }
  if (node.op != Op::Input && node.op != Op::AddN && node.op != Op::Concat && node.inputs.empty()) {
    fail(node.where(), "has no inputs");
  }
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
  if (!model.topology.contains("node") || !model.topology["node"].is_array())
    fail(model.path, "no nodes");
  GraphModel g;
  g.backend_ = &backend;
  g.cache_ = std::make_unique<composed::ConstCache>();
  // Every node first, so that constants resolve whatever the node order.
  Builder b(model, weights, backend, g.nodes_);
  b.read_nodes();
  for (const auto& n : model.topology["node"]) b.resolve(n);
  return g;
}

namespace {

// The activations a convolution or matmul runs as its post-op.
Activation fused_act(Post p) {
  if (p == Post::Relu) return Activation::Relu;
  return p == Post::Relu6 ? Activation::Relu6 : Activation::None;
}

Tensor apply_post(const Node& n, Tensor x) {
  switch (n.post) {
    case Post::None:
      return x;
    case Post::Relu:
      return ops::activation(x, Activation::Relu);
    case Post::Relu6:
      return ops::clip(x, 0.0f, 6.0f);
    case Post::Prelu:
      return composed::prelu(x, *n.weight2);
    case Post::Leaky:
      return ops::add(
          ops::activation(x, Activation::Relu),
          ops::scale_bias(ops::activation(ops::scale_bias(x, -1.0f), Activation::Relu), -n.alpha));
    case Post::Sigmoid:
      return ops::activation(x, Activation::Sigmoid);
    case Post::Tanh:
      return ops::activation(x, Activation::Tanh);
  }
  return x;
}

// b broadcast against a: same shape, or b (without leading 1s) equal to a's trailing dims.
Tensor broadcastable(const Tensor& a, const Tensor& b, const Node& n) {
  if (a.shape() == b.shape()) return b;
  Shape s;
  int first = 0;
  while (first + 1 < b.rank() && b.dim(first) == 1) ++first;
  for (int i = first; i < b.rank(); ++i) s.push_back(b.dim(i));
  bool ok = s.rank() <= a.rank();
  for (int i = 0; ok && i < s.rank(); ++i) ok = s[i] == a.dim(a.rank() - s.rank() + i);
  if (!ok) fail(n.where(), "cannot broadcast " + b.shape().str() + " against " + a.shape().str());
  return b.reshape(s);
}

Tensor binary_tensors(const Node& n, const Tensor& x, const Tensor& y) {
  // The larger operand leads; b broadcasts over its trailing dims.
  const bool swap = y.numel() > x.numel();
  const Tensor& a = swap ? y : x;
  const Tensor b = broadcastable(a, swap ? x : y, n);
  switch (n.bin) {
    case Bin::Add:
      return ops::add(a, b);
    case Bin::Mul:
      return ops::mul(a, b);
    case Bin::Sub:
      // x - y with either operand leading.
      return swap ? ops::add(ops::scale_bias(a, -1.0f), b) : ops::add(a, ops::scale_bias(b, -1.0f));
  }
  return a;
}

Tensor binary_const(const Node& n, const Tensor& x) {
  const bool x_first = n.const_side == 1;
  if (n.scalar) {
    const float c = n.alpha;
    switch (n.bin) {
      case Bin::Add:
        return ops::scale_bias(x, 1.0f, c);
      case Bin::Mul:
        return ops::scale_bias(x, c, 0.0f);
      case Bin::Sub:
        return x_first ? ops::scale_bias(x, 1.0f, -c) : ops::scale_bias(x, -1.0f, c);
    }
  }
  const Tensor c = broadcastable(x, n.operand, n);
  switch (n.bin) {
    case Bin::Add:
      return ops::add(x, c);
    case Bin::Mul:
      return ops::mul(x, c);
    case Bin::Sub:
      return x_first ? ops::add(x, c) : ops::add(ops::scale_bias(x, -1.0f), c);
  }
  return x;
}

Tensor reshape_to(const Node& n, const Tensor& x) {
  Shape s;
  std::int64_t known = 1;
  int infer = -1;
  for (std::size_t i = 0; i < n.shape.size(); ++i) {
    if (n.shape[i] == -1 && infer < 0) {
      infer = static_cast<int>(i);
      s.push_back(1);
    } else if (n.shape[i] < 0) {
      fail(n.where(), "bad target dimension");
    } else {
      s.push_back(n.shape[i]);
      known *= std::max<std::int64_t>(n.shape[i], 1);
    }
  }
  if (infer >= 0 && known > 0) s[infer] = x.numel() / known;
  if (s.numel() != x.numel())
    fail(n.where(), "cannot reshape " + x.shape().str() + " to " + s.str());
  return x.reshape(s);
}

Tensor squeeze(const Node& n, const Tensor& x) {
  Shape s;
  for (int i = 0; i < x.rank(); ++i) {
    const bool listed = std::find(n.shape.begin(), n.shape.end(), i) != n.shape.end() ||
                        std::find(n.shape.begin(), n.shape.end(), i - x.rank()) != n.shape.end();
    const bool drop = n.shape.empty() ? x.dim(i) == 1 : listed;
    if (drop && x.dim(i) != 1)
      fail(n.where(), "cannot squeeze dimension " + std::to_string(i) + " of " + x.shape().str());
    if (!drop) s.push_back(x.dim(i));
  }
  return x.reshape(s);
}

Tensor deconv(const Node& n, const Tensor& x) {
  if (x.rank() != 4) fail(n.where(), "needs an NHWC input, got " + x.shape().str());
  const Tensor y = ops::depth_to_space(ops::conv2d(x, *n.weight), n.factor);
  if (y.dim(1) != n.shape[1] || y.dim(2) != n.shape[2] || y.dim(3) != n.shape[3]) {
    fail(n.where(), "output " + y.shape().str() + " differs from the declared size");
  }
  return y;
}

Tensor resize(const Node& n, const Tensor& x, composed::ConstCache& cache) {
  if (x.rank() != 4) fail(n.where(), "needs an NHWC input, got " + x.shape().str());
  if (n.shape[0] == x.dim(1) && n.shape[1] == x.dim(2)) return x;
  if (n.shape[0] != 2 * x.dim(1) || n.shape[1] != 2 * x.dim(2)) {
    fail(n.where(), "only x2 resizing is supported (" + x.shape().str() + " to " +
                        std::to_string(n.shape[0]) + "x" + std::to_string(n.shape[1]) + ")");
  }
  return composed::resize_bilinear_x2(x, cache);
}

}  // namespace

std::vector<Tensor> GraphModel::run(const Tensor& input,
                                    const std::vector<std::string>& outputs) const {
  std::map<std::string, Tensor> done;
  std::vector<std::string> visiting;
  std::function<const Tensor&(const std::string&)> eval =
      [&](const std::string& name) -> const Tensor& {
    if (auto it = done.find(name); it != done.end()) return it->second;
    const auto nit = nodes_.find(name);
    if (nit == nodes_.end()) fail("output \"" + name + "\"", "no such node");
    const Node& n = *nit->second;
    if (std::find(visiting.begin(), visiting.end(), name) != visiting.end())
      fail("node \"" + name + "\"", "cycle");
    visiting.push_back(name);
    auto in = [&](std::size_t k) -> const Tensor& {
      if (k >= n.inputs.size()) fail(n.where(), "missing input");
      return eval(n.inputs[k]);
    };
    auto all_inputs = [&] {
      std::vector<Tensor> xs;
      for (std::size_t k = 0; k < n.inputs.size(); ++k) xs.push_back(in(k));
      return xs;
    };
    Tensor out;
    try {
      switch (n.op) {
        case Op::Input:
          out = input;
          break;
        case Op::Const:
          fail(n.where(), "constant used as a tensor input is not supported");
        case Op::Identity:
          out = in(0);
          break;
        case Op::Conv:
          if (n.check_even && (in(0).dim(1) % 2 != 0 || in(0).dim(2) % 2 != 0)) {
            fail(n.where(),
                 "strided SAME convolution needs even sizes, got " + in(0).shape().str());
          }
          out = ops::conv2d(in(0), *n.weight, fused_act(n.post));
          if (fused_act(n.post) == Activation::None) out = apply_post(n, out);
          break;
        case Op::Deconv:
          out = deconv(n, in(0));
          break;
        case Op::MatMul:
          out = ops::linear(in(0), *n.weight, fused_act(n.post));
          if (fused_act(n.post) == Activation::None) out = apply_post(n, out);
          break;
        case Op::Binary:
          out = n.const_side >= 0 ? binary_const(n, in(0)) : binary_tensors(n, in(0), in(1));
          break;
        case Op::AddN:
          out = composed::add_all(all_inputs());
          break;
        case Op::Act:
          out = apply_post(n, in(0));
          break;
        case Op::MaxPool:
          out = composed::pool(in(0), n.pool, true);
          break;
        case Op::AvgPool:
          out = composed::pool(in(0), n.pool, false);
          break;
        case Op::Mean: {
          const Tensor& x = in(0);
          if (x.rank() != 4) fail(n.where(), "needs an NHWC input");
          out = ops::mean_hw(x);
          if (!n.keep_dims) out = out.reshape(Shape{x.dim(0), x.dim(3)});
          break;
        }
        case Op::Pad:
          if (in(0).rank() != 4) fail(n.where(), "needs an NHWC input, got " + in(0).shape().str());
          out = ops::pad(in(0), n.pads);
          break;
        case Op::Concat:
          out = composed::concat_channels(all_inputs());
          break;
        case Op::Reshape:
          out = reshape_to(n, in(0));
          break;
        case Op::Squeeze:
          out = squeeze(n, in(0));
          break;
        case Op::Softmax:
          out = ops::softmax(in(0));
          break;
        case Op::Resize2x:
          out = resize(n, in(0), *cache_);
          break;
      }
    } catch (const std::invalid_argument& e) {
      fail(n.where(), e.what());
    }
    visiting.pop_back();
    return done.emplace(name, std::move(out)).first->second;
  };
  std::vector<Tensor> result;
  for (const auto& o : outputs) result.push_back(eval(o));
  return result;
}

}  // namespace pixforge::tfjs
