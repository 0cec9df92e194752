// Graph-model ops on small hand-built graphs (reference backend) against naive loops written
// from TF's definitions: broadcasting arithmetic with constant operands, PReLU / LeakyRelu /
// Relu6, SAME/VALID pooling, Mean, Squeeze + MatMul + Softmax, x2 half-pixel bilinear resize,
// transposed convolution with kernel = stride, channel concat; and clear errors for forms that
// are not supported.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/tfjs/graph_model.h"
#include "testing/golden.h"

namespace pixforge::tfjs {
namespace {

using nlohmann::json;

std::string b64(const std::string& s) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : s) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(k[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(k[((val << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

json ints(std::vector<int> v) {
  json l = json::array();
  for (int i : v) l.push_back(std::to_string(i));
  return {{"list", {{"i", l}}}};
}
json str(const std::string& s) { return {{"s", b64(s)}}; }

// A graph under construction: nodes plus the constants they read.
struct Graph {
  json nodes = json::array({{{"name", "x"}, {"op", "Placeholder"}}});
  WeightMap weights;

  void node(const std::string& name, const std::string& op, std::vector<std::string> inputs,
            json attr = json::object()) {
    nodes.push_back({{"name", name}, {"op", op}, {"input", inputs}, {"attr", attr}});
  }
  void konst(const std::string& name, std::vector<std::int64_t> shape, std::vector<float> v) {
    HostArray a;
    a.shape = std::move(shape);
    a.values = std::move(v);
    weights[name] = a;
    nodes.push_back({{"name", name}, {"op", "Const"}});
  }
  void ints_const(const std::string& name, std::vector<std::int32_t> v) {
    HostArray a;
    a.shape = {static_cast<std::int64_t>(v.size())};
    a.ints = std::move(v);
    a.is_int = true;
    weights[name] = a;
    nodes.push_back({{"name", name}, {"op", "Const"}});
  }
  std::vector<float> run(const std::string& out, Shape shape, const std::vector<float>& x) {
    ModelJson m;
    m.path = "test.json";
    m.format = ModelFormat::Graph;
    m.topology = {{"node", nodes}};
    auto backend = make_reference_backend();
    const GraphModel g = GraphModel::build(m, weights, *backend);
    return g.run(Tensor::from_host(*backend, shape, x), {out})[0].to_host();
  }
  std::string error(const std::string& out, Shape shape, const std::vector<float>& x) {
    try {
      run(out, shape, x);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "no error";
  }
};

std::vector<float> random_values(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

TEST(TfjsGraphOps, broadcasting_arithmetic_with_constants) {
  // x [1, 2, 2, 3]; ((2 * x - 1) + bias[c]) * x, then 5 - that, then relu6, prelu and leaky.
  const auto x = random_values(12, 1);
  Graph g;
  g.konst("two", {}, {2.0f});
  g.konst("one", {}, {1.0f});
  g.konst("bias", {3}, {0.5f, -1.0f, 2.0f});
  g.konst("five", {}, {5.0f});
  g.konst("alpha", {1, 1, 3}, {0.1f, 0.2f, 0.3f});
  g.node("m", "Mul", {"two", "x"});
  g.node("s", "Sub", {"m", "one"});
  g.node("b", "AddV2", {"s", "bias"});
  g.node("p", "Mul", {"b", "x"});
  g.node("r", "Sub", {"five", "p"});
  g.node("r6", "Relu6", {"r"});
  g.node("pr", "Prelu", {"p", "alpha"});
  g.node("lk", "LeakyRelu", {"p"}, {{"alpha", {{"f", 0.25}}}});
  g.node("sum", "AddN", {"r6", "pr", "lk"});
  const auto y = g.run("sum", Shape{1, 2, 2, 3}, x);
  const float bias[3] = {0.5f, -1.0f, 2.0f}, alpha[3] = {0.1f, 0.2f, 0.3f};
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float p = (2 * x[i] - 1 + bias[i % 3]) * x[i];
    const float r6 = std::clamp(5 - p, 0.0f, 6.0f);
    const float pr = p > 0 ? p : alpha[i % 3] * p, lk = p > 0 ? p : 0.25f * p;
    EXPECT_NEAR(y[i], r6 + pr + lk, 1e-5) << i;
  }
}

TEST(TfjsGraphOps, squeeze_excitation_scaling_broadcasts_over_pixels) {
  // x * sigmoid(mean_hw(x)) with keep_dims: [1, 2, 2, 2] * [1, 1, 1, 2].
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};
  Graph g;
  g.ints_const("axes", {1, 2});
  g.node("mean", "Mean", {"x", "axes"}, {{"keep_dims", {{"b", true}}}});
  g.node("sig", "Sigmoid", {"mean"});
  g.node("y", "Mul", {"x", "sig"});
  const auto y = g.run("y", Shape{1, 2, 2, 2}, x);
  const float m0 = (1 + 3 + 5 + 7) / 4.0f, m1 = (2 + 4 + 6 + 8) / 4.0f;
  const float s[2] = {1 / (1 + std::exp(-m0)), 1 / (1 + std::exp(-m1))};
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(y[i], x[i] * s[i % 2], 1e-5);
}

TEST(TfjsGraphOps, same_and_valid_pooling) {
  const int H = 5, W = 6, C = 2;
  const auto x = random_values(H * W * C, 2);
  auto at = [&](int yy, int xx, int c) {
    return x[static_cast<std::size_t>((yy * W + xx) * C + c)];
  };
  Graph g;
  g.node(
      "avg", "AvgPool", {"x"},
      {{"ksize", ints({1, 3, 3, 1})}, {"strides", ints({1, 1, 1, 1})}, {"padding", str("SAME")}});
  g.node(
      "max", "MaxPool", {"x"},
      {{"ksize", ints({1, 3, 3, 1})}, {"strides", ints({1, 2, 2, 1})}, {"padding", str("VALID")}});
  // Average, SAME, 3x3/1: padded cells are left out of the count.
  const auto avg = g.run("avg", Shape{1, H, W, C}, x);
  for (int yy = 0; yy < H; ++yy)
    for (int xx = 0; xx < W; ++xx)
      for (int c = 0; c < C; ++c) {
        float sum = 0;
        int n = 0;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            if (yy + dy < 0 || yy + dy >= H || xx + dx < 0 || xx + dx >= W) continue;
            sum += at(yy + dy, xx + dx, c);
            ++n;
          }
        EXPECT_NEAR(avg[static_cast<std::size_t>((yy * W + xx) * C + c)],
                    sum / static_cast<float>(n), 1e-5);
      }
  // Max, VALID, 3x3/2: outputs 2x2.
  const auto mx = g.run("max", Shape{1, H, W, C}, x);
  ASSERT_EQ(mx.size(), 2u * 2u * C);
  for (int yy = 0; yy < 2; ++yy)
    for (int xx = 0; xx < 2; ++xx)
      for (int c = 0; c < C; ++c) {
        float m = -1e30f;
        for (int dy = 0; dy < 3; ++dy)
          for (int dx = 0; dx < 3; ++dx) m = std::max(m, at(2 * yy + dy, 2 * xx + dx, c));
        EXPECT_EQ(mx[static_cast<std::size_t>((yy * 2 + xx) * C + c)], m);
      }
}

TEST(TfjsGraphOps, zero_padding_on_any_axis) {
  const std::vector<float> x = {1, 2, 3, 4};  // [1, 2, 1, 2]
  Graph g;
  g.ints_const("pads", {0, 0, 1, 0, 0, 1, 1, 0});
  g.node("p", "Pad", {"x", "pads"});
  // -> [1, 3, 2, 3]: a zero row on top, a zero column on the right, a zero channel first.
  EXPECT_EQ(g.run("p", Shape{1, 2, 1, 2}, x),
            (std::vector<float>{0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 3, 4, 0, 0, 0}));
  Graph bad;
  bad.ints_const("pads", {0, 0, -1, 0, 0, 0, 0, 0});
  bad.node("p", "Pad", {"x", "pads"});
  EXPECT_NE(bad.error("p", Shape{1, 2, 1, 2}, x).find("bad padding"), std::string::npos);
}

TEST(TfjsGraphOps, half_pixel_bilinear_x2) {
  const int H = 3, W = 4, C = 2;
  const auto x = random_values(H * W * C, 3);
  Graph g;
  g.ints_const("size", {2 * H, 2 * W});
  g.node("up", "ResizeBilinear", {"x", "size"},
         {{"half_pixel_centers", {{"b", true}}}, {"align_corners", {{"b", false}}}});
  const auto y = g.run("up", Shape{1, H, W, C}, x);
  // TF: source = (dst + 0.5) / 2 - 0.5, floor clamped at 0, the upper tap clamped at n - 1.
  auto taps = [](int j, int n, int& lo, int& hi, float& f) {
    const float src = (static_cast<float>(j) + 0.5f) / 2 - 0.5f;
    const int fl = static_cast<int>(std::floor(src));
    f = src - static_cast<float>(fl);
    lo = std::max(fl, 0);
    hi = std::min(fl + 1, n - 1);
  };
  for (int yy = 0; yy < 2 * H; ++yy)
    for (int xx = 0; xx < 2 * W; ++xx) {
      int y0, y1, x0, x1;
      float fy, fx;
      taps(yy, H, y0, y1, fy);
      taps(xx, W, x0, x1, fx);
      for (int c = 0; c < C; ++c) {
        auto at = [&](int a, int b) { return x[static_cast<std::size_t>((a * W + b) * C + c)]; };
        const float top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
        const float bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
        EXPECT_NEAR(y[static_cast<std::size_t>((yy * 2 * W + xx) * C + c)],
                    top + (bottom - top) * fy, 1e-5);
      }
    }
  Graph bad;
  bad.ints_const("size", {3 * H, 3 * W});
  bad.node("up", "ResizeBilinear", {"x", "size"}, {{"half_pixel_centers", {{"b", true}}}});
  EXPECT_NE(bad.error("up", Shape{1, H, W, C}, x).find("only x2"), std::string::npos);
}

TEST(TfjsGraphOps, transposed_convolution_with_kernel_equal_to_stride) {
  const int H = 2, W = 3, Cin = 2, Cout = 3, s = 2;
  const auto x = random_values(H * W * Cin, 4);
  const auto k = random_values(s * s * Cout * Cin, 5);  // [kh, kw, Cout, Cin]
  Graph g;
  g.ints_const("sizes", {1, H * s, W * s, Cout});
  g.konst("filter", {s, s, Cout, Cin}, k);
  g.node("up", "Conv2DBackpropInput", {"sizes", "filter", "x"},
         {{"strides", ints({1, s, s, 1})}, {"padding", str("SAME")}});
  const auto y = g.run("up", Shape{1, H, W, Cin}, x);
  ASSERT_EQ(y.size(), static_cast<std::size_t>(H * s * W * s * Cout));
  for (int i = 0; i < H; ++i)
    for (int j = 0; j < W; ++j)
      for (int a = 0; a < s; ++a)
        for (int b = 0; b < s; ++b)
          for (int o = 0; o < Cout; ++o) {
            float v = 0;
            for (int c = 0; c < Cin; ++c) {
              v += x[static_cast<std::size_t>((i * W + j) * Cin + c)] *
                   k[static_cast<std::size_t>(((a * s + b) * Cout + o) * Cin + c)];
            }
            EXPECT_NEAR(y[static_cast<std::size_t>(((i * s + a) * W * s + j * s + b) * Cout + o)],
                        v, 1e-5);
          }
}

TEST(TfjsGraphOps, squeeze_fused_matmul_softmax_and_concat) {
  const std::vector<float> x = {1, -2, 3};  // [1, 1, 1, 3]
  Graph g;
  g.konst("w", {3, 2}, {1, 0, 0, 1, 1, 1});  // [in, out]
  g.konst("b", {2}, {0.5f, -0.5f});
  g.ints_const("axis", {-1});
  g.node("sq", "Squeeze", {"x"}, {{"squeeze_dims", ints({1, 2})}});
  g.node("mm", "_FusedMatMul", {"sq", "w", "b"},
         {{"fused_ops", {{"list", {{"s", {b64("BiasAdd")}}}}}}});
  g.node("sm", "Softmax", {"mm"});
  g.node("cat", "ConcatV2", {"x", "x", "axis"});
  const auto y = g.run("sm", Shape{1, 1, 1, 3}, x);
  const float a = 1 + 3 + 0.5f, b = -2 + 3 - 0.5f;
  ASSERT_EQ(y.size(), 2u);
  EXPECT_NEAR(y[0], 1 / (1 + std::exp(b - a)), 1e-6);
  EXPECT_NEAR(y[1], 1 - y[0], 1e-6);
  EXPECT_EQ(g.run("cat", Shape{1, 1, 1, 3}, x), (std::vector<float>{1, -2, 3, 1, -2, 3}));
}

TEST(TfjsGraphOps, unsupported_forms_name_the_node) {
  Graph g;
  g.ints_const("axes", {1});
  g.node("mean", "Mean", {"x", "axes"});
  EXPECT_NE(g.error("mean", Shape{1, 2, 2, 1}, std::vector<float>(4)).find("\"mean\" (Mean)"),
            std::string::npos);
  Graph h;
  h.konst("c", {2}, {1, 2});
  h.node("m", "Mul", {"x", "c"});
  EXPECT_NE(h.error("m", Shape{1, 2, 2, 3}, std::vector<float>(12)).find("cannot broadcast"),
            std::string::npos);
  Graph f;
  f.konst("k", {1, 1, 1, 1}, {1});
  f.konst("b", {1}, {0});
  f.node("c", "_FusedConv2D", {"x", "k", "b"},
         {{"fused_ops", {{"list", {{"s", {b64("BiasAdd"), b64("Elu")}}}}}},
          {"padding", str("VALID")}});
  EXPECT_NE(f.error("c", Shape{1, 1, 1, 1}, {1}).find("\"Elu\""), std::string::npos);
  Graph d;
  d.ints_const("sizes", {1, 3, 3, 1});
  d.konst("k", {3, 3, 1, 1}, std::vector<float>(9, 1));
  d.node("t", "Conv2DBackpropInput", {"sizes", "k", "x"},
         {{"strides", ints({1, 1, 1, 1})}, {"padding", str("SAME")}});
  EXPECT_NE(d.error("t", Shape{1, 3, 3, 1}, std::vector<float>(9)).find("kernel = stride"),
            std::string::npos);
}

}  // namespace
}  // namespace pixforge::tfjs
