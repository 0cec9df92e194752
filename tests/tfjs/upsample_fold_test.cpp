// UpSampling2D (nearest) + Conv2D, folded at load into a phase convolution + depth-to-space
// (engine/src/tfjs/upsample_fold.h), against a direct f64 oracle that builds the upsampled map
// and convolves it, for factors 2-4, kernels 1-5, SAME and VALID padding, and the cases the
// rewrite must leave alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "layers_json.h"
#include "pixforge/cpu/cpu_backend.h"
#include "pixforge/tfjs/layers_model.h"

namespace pixforge::tfjs {
namespace {

using nlohmann::json;

using layers_json::layer;
using layers_json::model_of;

std::vector<float> random_values(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

struct Case {
  int s, k, cin, cout;
  bool same;
};

// upsample(x, s) then conv (HWIO kernel, TF SAME or VALID, stride 1) + bias + relu, in f64.
std::vector<double> oracle(const std::vector<float>& x, int h, int w, const Case& c,
                           const std::vector<float>& hwio, const std::vector<float>& bias) {
  const int uh = h * c.s, uw = w * c.s;
  const int pt = c.same ? (c.k - 1) / 2 : 0, pl = pt;
  const int oh = c.same ? uh : uh - c.k + 1, ow = c.same ? uw : uw - c.k + 1;
  std::vector<double> y(static_cast<std::size_t>(oh * ow * c.cout));
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox)
      for (int o = 0; o < c.cout; ++o) {
        double acc = bias[static_cast<std::size_t>(o)];
        for (int ky = 0; ky < c.k; ++ky)
          for (int kx = 0; kx < c.k; ++kx) {
            const int r = oy - pt + ky, q = ox - pl + kx;
            if (r < 0 || r >= uh || q < 0 || q >= uw) continue;
            for (int i = 0; i < c.cin; ++i) {
              const float v = x[static_cast<std::size_t>(((r / c.s) * w + q / c.s) * c.cin + i)];
              acc += double{v} *
                     hwio[static_cast<std::size_t>(((ky * c.k + kx) * c.cin + i) * c.cout + o)];
            }
          }
        y[static_cast<std::size_t>((oy * ow + ox) * c.cout + o)] = std::max(acc, 0.0);
      }
  return y;
}

struct Built {
  LayersModel model;
  std::vector<float> kernel, bias;
};

// in -> UpSampling2D(s) -> Conv2D(k, relu) [-> Add(upsampled) when `shared`].
Built build(const Case& c, bool shared, Backend& backend) {
  json layers = json::array({layer("InputLayer", "in", json::object(), {}),
                             layer("UpSampling2D", "up", {{"size", {c.s, c.s}}}, {"in"}),
                             layer("Conv2D", "conv",
                                   {{"filters", c.cout},
                                    {"kernel_size", {c.k, c.k}},
                                    {"padding", c.same ? "same" : "valid"},
                                    {"activation", "relu"}},
                                   {"up"})});
  if (shared) layers.push_back(layer("Add", "add", json::object(), {"conv", "up"}));
  HostArray k, b;
  k.shape = {c.k, c.k, c.cin, c.cout};
  k.values = random_values(static_cast<std::size_t>(c.k * c.k * c.cin * c.cout), 7);
  b.shape = {c.cout};
  b.values = random_values(static_cast<std::size_t>(c.cout), 8);
  WeightMap w;
  w["conv/kernel"] = k;
  w["conv/bias"] = b;
  return {LayersModel::build(model_of(layers, shared ? "add" : "conv"), w, backend), k.values,
          b.values};
}

double max_abs_diff(const std::vector<float>& got, const std::vector<double>& expect) {
  double d = 0;
  for (std::size_t i = 0; i < got.size(); ++i) d = std::max(d, std::abs(got[i] - expect[i]));
  return d;
}

// Folding changes only the order of the f32 sums (taps landing on one input pixel are added
// into one weight first): with ≤ 25·8 products of magnitude ≤ 1 per output, f32 rounding stays
// far below 1e-4 on the reference backend and on oneDNN in f32.
TEST(TfjsUpsampleFold, matches_upsample_then_conv) {
  const int h = 5, w = 6;
  auto reference = make_reference_backend();
  auto cpu = make_cpu_backend({.compute_type = DType::F32, .threads = 0});
  for (const Case& c : {Case{4, 3, 8, 3, true}, Case{2, 3, 5, 3, true}, Case{3, 3, 4, 2, true},
                        Case{2, 5, 3, 4, true}, Case{3, 2, 3, 2, true}, Case{2, 1, 6, 5, true},
                        Case{4, 4, 2, 3, true}, Case{2, 3, 4, 3, false}}) {
    SCOPED_TRACE("s " + std::to_string(c.s) + " k " + std::to_string(c.k) +
                 (c.same ? " same" : " valid"));
    const std::vector<float> x = random_values(static_cast<std::size_t>(h * w * c.cin), 9);
    for (Backend* be : {reference.get(), cpu.get()}) {
      const Built b = build(c, false, *be);
      const Tensor y = b.model.run(Tensor::from_host(*be, Shape{1, h, w, c.cin}, x));
      const std::vector<double> expect = oracle(x, h, w, c, b.kernel, b.bias);
      const int oh = c.same ? h * c.s : h * c.s - c.k + 1,
                ow = c.same ? w * c.s : w * c.s - c.k + 1;
      ASSERT_EQ(y.shape(), (Shape{1, oh, ow, c.cout}));
      EXPECT_LT(max_abs_diff(y.to_host(), expect), 1e-4);
    }
  }
}

// The work counted is the work done: folding never adds multiply-adds, and a 5x5 kernel after
// x2 upsampling needs only 3x3 taps per phase (9/25 of the direct form) — which also shows the
// rewrite ran.
TEST(TfjsUpsampleFold, counts_the_folded_work) {
  auto backend = make_reference_backend();
  const auto macs = [&](const Case& c) { return build(c, false, *backend).model.conv_macs(5, 6); };
  EXPECT_DOUBLE_EQ(macs({4, 3, 8, 3, true}), 5.0 * 6 * 16 * 9 * 8 * 3);
  EXPECT_DOUBLE_EQ(macs({2, 5, 3, 4, true}), 5.0 * 6 * 4 * 9 * 3 * 4);
  // VALID padding is not rewritten: the direct count over the upsampled map.
  EXPECT_DOUBLE_EQ(macs({2, 3, 4, 3, false}), 10.0 * 12 * 9 * 4 * 3);
}

// An upsampled map that something besides the convolution reads is kept and used as it is.
TEST(TfjsUpsampleFold, shared_upsampling_is_left_alone) {
  const Case c{2, 3, 3, 3, true};
  const int h = 4, w = 3;
  auto backend = make_reference_backend();
  const Built b = build(c, true, *backend);
  const std::vector<float> x = random_values(static_cast<std::size_t>(h * w * c.cin), 3);
  const std::vector<float> y =
      b.model.run(Tensor::from_host(*backend, Shape{1, h, w, c.cin}, x)).to_host();
  std::vector<double> expect = oracle(x, h, w, c, b.kernel, b.bias);
  ASSERT_EQ(y.size(), expect.size());
  for (int r = 0; r < h * 2; ++r)
    for (int q = 0; q < w * 2; ++q)
      for (int o = 0; o < c.cout; ++o)
        expect[static_cast<std::size_t>((r * w * 2 + q) * c.cout + o)] +=
            x[static_cast<std::size_t>(((r / 2) * w + q / 2) * c.cin + o)];
  EXPECT_LT(max_abs_diff(y, expect), 1e-4);
}

// in -> 1x1 Conv2D (cin0 -> s²·c, no bias) -> PixelShuffle{s}x -> Conv2D(k, SAME, relu), the
// esrgan-thick tail, against the f64 oracle of the three steps. Same tolerance reasoning as
// above (no weights are summed here; only the order of the sums changes).
TEST(TfjsUpsampleFold, depth_to_space_then_conv_matches) {
  const int h = 4, w = 5, cin0 = 3;
  auto reference = make_reference_backend();
  auto cpu = make_cpu_backend({.compute_type = DType::F32, .threads = 0});
  for (const Case& c : {Case{2, 3, 3, 3, true}, Case{4, 3, 3, 3, true}, Case{2, 2, 2, 3, true},
                        Case{3, 1, 2, 2, true}}) {
    SCOPED_TRACE("s " + std::to_string(c.s) + " k " + std::to_string(c.k));
    const int sc = c.s * c.s * c.cin;
    const json layers = json::array(
        {layer("InputLayer", "in", json::object(), {}),
         layer("Conv2D", "pre", {{"filters", sc}, {"kernel_size", {1, 1}}, {"use_bias", false}},
               {"in"}),
         layer("PixelShuffle" + std::to_string(c.s) + "x", "ps", {{"scale", c.s}}, {"pre"}),
         layer("Conv2D", "conv",
               {{"filters", c.cout},
                {"kernel_size", {c.k, c.k}},
                {"padding", "same"},
                {"activation", "relu"}},
               {"ps"})});
    WeightMap wm;
    HostArray pre, k, b;
    pre.shape = {1, 1, cin0, sc};
    pre.values = random_values(static_cast<std::size_t>(cin0 * sc), 4);
    k.shape = {c.k, c.k, c.cin, c.cout};
    k.values = random_values(static_cast<std::size_t>(c.k * c.k * c.cin * c.cout), 5);
    b.shape = {c.cout};
    b.values = random_values(static_cast<std::size_t>(c.cout), 6);
    wm["pre/kernel"] = pre;
    wm["conv/kernel"] = k;
    wm["conv/bias"] = b;
    const std::vector<float> x = random_values(static_cast<std::size_t>(h * w * cin0), 2);
    // Oracle: the 1x1 conv, depth-to-space (channel (a·s + b)·c + ch of pixel (i, j) goes to
    // (s·i + a, s·j + b, ch)), then the convolution.
    const int uh = h * c.s, uw = w * c.s;
    std::vector<double> up(static_cast<std::size_t>(uh * uw * c.cin));
    for (int i = 0; i < h; ++i)
      for (int j = 0; j < w; ++j)
        for (int q = 0; q < sc; ++q) {
          double acc = 0;
          for (int t = 0; t < cin0; ++t)
            acc += double{x[static_cast<std::size_t>((i * w + j) * cin0 + t)]} *
                   pre.values[static_cast<std::size_t>(t * sc + q)];
          const int ph = q / c.cin, ch = q % c.cin, a = ph / c.s, bb = ph % c.s;
          up[static_cast<std::size_t>(((c.s * i + a) * uw + c.s * j + bb) * c.cin + ch)] = acc;
        }
    const int pt = (c.k - 1) / 2;
    std::vector<double> expect(static_cast<std::size_t>(uh * uw * c.cout));
    for (int oy = 0; oy < uh; ++oy)
      for (int ox = 0; ox < uw; ++ox)
        for (int o = 0; o < c.cout; ++o) {
          double acc = b.values[static_cast<std::size_t>(o)];
          for (int ky = 0; ky < c.k; ++ky)
            for (int kx = 0; kx < c.k; ++kx) {
              const int r = oy - pt + ky, q = ox - pt + kx;
              if (r < 0 || r >= uh || q < 0 || q >= uw) continue;
              for (int i = 0; i < c.cin; ++i)
                acc +=
                    up[static_cast<std::size_t>((r * uw + q) * c.cin + i)] *
                    k.values[static_cast<std::size_t>(((ky * c.k + kx) * c.cin + i) * c.cout + o)];
            }
          expect[static_cast<std::size_t>((oy * uw + ox) * c.cout + o)] = std::max(acc, 0.0);
        }
    for (Backend* be : {reference.get(), cpu.get()}) {
      const LayersModel m = LayersModel::build(model_of(layers, "conv"), wm, *be);
      const Tensor y = m.run(Tensor::from_host(*be, Shape{1, h, w, cin0}, x));
      ASSERT_EQ(y.shape(), (Shape{1, uh, uw, c.cout}));
      EXPECT_LT(max_abs_diff(y.to_host(), expect), 1e-4);
      // The work counted is the original's: the 1x1 conv plus the k x k one at the high
      // resolution, not the phase kernel's zero taps.
      EXPECT_DOUBLE_EQ(m.conv_macs(h, w),
                       static_cast<double>(h) * w * cin0 * sc +
                           static_cast<double>(uh) * uw * c.k * c.k * c.cin * c.cout);
    }
  }
}

}  // namespace
}  // namespace pixforge::tfjs
