// A 1x1 Conv2D over a Concatenate it alone reads runs as a sum of per-part 1x1 convolutions
// (layers_model.cpp, fold_concat_into_conv), seeded with the other addend when an Add reads
// it; checked against an f64 oracle of concat -> conv -> add, with the cases the fold must
// leave alone.
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

HostArray random_array(std::vector<std::int64_t> shape, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  HostArray a;
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  a.shape = std::move(shape);
  a.values.resize(static_cast<std::size_t>(n));
  for (float& v : a.values) v = dist(rng);
  return a;
}

// y[p, o] = bias[o] + sum_i x[p, i] * k[i, o] (a 1x1 conv, HWIO kernel [1, 1, in, out]).
std::vector<double> pointwise(const std::vector<double>& x, std::int64_t in, const HostArray& k,
                              const std::vector<float>* bias) {
  const std::int64_t out = k.shape[3], px = static_cast<std::int64_t>(x.size()) / in;
  std::vector<double> y(static_cast<std::size_t>(px * out));
  for (std::int64_t p = 0; p < px; ++p)
    for (std::int64_t o = 0; o < out; ++o) {
      double acc = bias != nullptr ? (*bias)[static_cast<std::size_t>(o)] : 0.0;
      for (std::int64_t i = 0; i < in; ++i)
        acc += x[static_cast<std::size_t>(p * in + i)] *
               k.values[static_cast<std::size_t>(i * out + o)];
      y[static_cast<std::size_t>(p * out + o)] = acc;
    }
  return y;
}

// in (3 ch) -> n branch 1x1 convs (channels `widths`) -> Concatenate -> 1x1 conv "fuse"
// (widths[0] outputs, bias) [-> Add(fuse, branch 0) when `add`]. With `concat_is_output` the
// concatenation is the model's output, so it must be built (and is what is checked).
void check(const std::vector<std::int64_t>& widths, bool add, bool concat_is_output) {
  json layers = json::array({layer("InputLayer", "in", json::object(), {})});
  WeightMap w;
  std::vector<std::string> names;
  std::int64_t total = 0;
  for (std::size_t b = 0; b < widths.size(); ++b) {
    const std::string name = "b" + std::to_string(b);
    layers.push_back(layer("Conv2D", name,
                           {{"filters", widths[b]}, {"kernel_size", {1, 1}}, {"use_bias", false}},
                           {"in"}));
    w[name + "/kernel"] = random_array({1, 1, 3, widths[b]}, static_cast<unsigned>(10 + b));
    names.push_back(name);
    total += widths[b];
  }
  layers.push_back(layer("Concatenate", "cat", {{"axis", -1}}, names));
  layers.push_back(
      layer("Conv2D", "fuse", {{"filters", widths[0]}, {"kernel_size", {1, 1}}}, {"cat"}));
  w["fuse/kernel"] = random_array({1, 1, total, widths[0]}, 3);
  w["fuse/bias"] = random_array({widths[0]}, 4);
  if (add) layers.push_back(layer("Add", "sum", json::object(), {"fuse", "b0"}));
  const std::string out = concat_is_output ? "cat" : add ? "sum" : "fuse";
  const HostArray x = random_array({1, 4, 5, 3}, 5);

  // Oracle.
  std::vector<double> xd(x.values.begin(), x.values.end());
  std::vector<std::vector<double>> branch;
  for (std::size_t b = 0; b < widths.size(); ++b)
    branch.push_back(pointwise(xd, 3, w["b" + std::to_string(b) + "/kernel"], nullptr));
  std::vector<double> cat;
  for (std::int64_t p = 0; p < 20; ++p)
    for (std::size_t b = 0; b < widths.size(); ++b)
      for (std::int64_t c = 0; c < widths[b]; ++c)
        cat.push_back(branch[b][static_cast<std::size_t>(p * widths[b] + c)]);
  std::vector<double> expect =
      concat_is_output ? cat : pointwise(cat, total, w["fuse/kernel"], &w["fuse/bias"].values);
  if (add && !concat_is_output)
    for (std::size_t i = 0; i < expect.size(); ++i) expect[i] += branch[0][i];

  auto reference = make_reference_backend();
  auto cpu = make_cpu_backend({.compute_type = DType::F32, .threads = 0});
  for (Backend* be : {reference.get(), cpu.get()}) {
    const LayersModel m = LayersModel::build(model_of(layers, out), w, *be);
    const std::vector<float> y =
        m.run(Tensor::from_host(*be, Shape{1, 4, 5, 3}, x.values)).to_host();
    ASSERT_EQ(y.size(), expect.size());
    double d = 0;
    for (std::size_t i = 0; i < y.size(); ++i) d = std::max(d, std::abs(y[i] - expect[i]));
    // ≤ 96 products of magnitude ≤ 3 per output: f32 rounding far below 1e-4.
    EXPECT_LT(d, 1e-4);
  }
}

TEST(TfjsConcatFold, two_parts_seeded_by_the_add) { check({8, 4}, true, false); }
TEST(TfjsConcatFold, five_parts_without_add) { check({6, 2, 3, 4, 5}, false, false); }
TEST(TfjsConcatFold, concatenation_read_elsewhere_is_built) { check({4, 4}, true, true); }

}  // namespace
}  // namespace pixforge::tfjs
