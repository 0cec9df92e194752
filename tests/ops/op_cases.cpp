#include "op_cases.h"

#include <cmath>
#include <tuple>

namespace pixforge::testing {

namespace {

constexpr DType F32 = DType::F32, F16 = DType::F16, BF16 = DType::BF16;

std::string act_name(Activation a) {
  static const char* names[] = {"none",       "relu",    "silu", "gelu", "gelu_tanh",
                                "quick_gelu", "sigmoid", "tanh", "relu6"};
  return names[static_cast<int>(a)];
}

BuiltCall single(OpKind kind, std::vector<Tensor> tensors, OpParams params = {},
                 DType out_dtype = DType::F32) {
  BuiltCall b;
  b.out_dtype = out_dtype;
  b.tensors = std::move(tensors);
  b.call.kind = kind;
  for (std::size_t i = 0; i < b.tensors.size(); ++i) b.call.in[i] = &b.tensors[i];
  b.call.params = params;
  return b;
}

struct ConvCase {
  std::int64_t n, h, w, cin, cout, kh, kw;
  Conv2dSpec spec;
  bool bias;
  Activation act;
  bool residual;
  DType in_dtype;
  Activation post_act = Activation::None;  // after the residual sum
  DType out_dtype = DType::F32;            // ops::conv2d(..., out): the stored result's type
};

OpCase conv_case(const ConvCase& c) {
  const Conv2dSpec& s = c.spec;
  std::string name =
      "conv2d x[" + std::to_string(c.n) + "," + std::to_string(c.h) + "," + std::to_string(c.w) +
      "," + std::to_string(c.cin) + "] cout " + std::to_string(c.cout) + " k" +
      std::to_string(c.kh) + "x" + std::to_string(c.kw) + " s" + std::to_string(s.stride_h) + "," +
      std::to_string(s.stride_w) + " pad(t" + std::to_string(s.pad_top) + ",b" +
      std::to_string(s.pad_bottom) + ",l" + std::to_string(s.pad_left) + ",r" +
      std::to_string(s.pad_right) + ") dil" + std::to_string(s.dilation_h) + "," +
      std::to_string(s.dilation_w) + " g" + std::to_string(s.groups) + (c.bias ? " bias" : "") +
      " act " + act_name(c.act) + (c.residual ? " residual" : "") + " post " +
      act_name(c.post_act) + " in " + std::string(dtype_name(c.in_dtype));
  if (c.out_dtype != F32) name += " out " + std::string(dtype_name(c.out_dtype));
  // A 16-bit output is rounded after the f32 accumulation: relative 2^-9 (bf16) per value,
  // NMSE ~ 1e-6 even in f32 compute, so those cases take the bf16 tolerance throughout.
  const double tol_f32 = c.out_dtype == F32 ? kExact : kBf16;
  return {name, OpKind::Conv2d, tol_f32, kBf16, [c](Backend& be, std::mt19937& rng) {
            BuiltCall b;
            const float bound = 1.0f / std::sqrt(float(c.cin / c.spec.groups * c.kh * c.kw));
            Tensor w = random_tensor(be, rng, {c.cout, c.cin / c.spec.groups, c.kh, c.kw}, F32,
                                     -bound, bound);
            Tensor bias = random_tensor(be, rng, {c.cout});
            b.weight = ops::prepare_conv2d(be, w, c.bias ? &bias : nullptr, c.spec);
            b.tensors.push_back(random_tensor(be, rng, {c.n, c.h, c.w, c.cin}, c.in_dtype));
            if (c.residual) {
              OpCall probe;
              probe.kind = OpKind::Conv2d;
              probe.in[0] = &b.tensors[0];
              probe.weight = b.weight.get();
              b.tensors.push_back(random_tensor(be, rng, op_output_shape(probe)));
            }
            b.call.kind = OpKind::Conv2d;
            b.call.in[0] = &b.tensors[0];
            if (c.residual) b.call.in[1] = &b.tensors[1];
            b.call.weight = b.weight.get();
            b.call.params.act = c.act;
            b.call.params.post_act = c.post_act;
            b.out_dtype = c.out_dtype;
            return b;
          }};
}

Conv2dSpec spec(int stride, int pad, int dil = 1, int groups = 1) {
  return {stride, stride, pad, pad, pad, pad, dil, dil, groups};
}

// Depthwise and grouped convolutions as MobileNetV2 / BlazeFace use them (3x3 and 5x5, stride
// 1 and 2 with TF SAME's bottom/right padding, bias + relu6, channel multiplier 2, odd
// channel counts, residuals, bf16 inputs).
void add_depthwise_cases(std::vector<OpCase>& v) {
  const auto R6 = Activation::Relu6, N = Activation::None, RL = Activation::Relu;
  v.push_back(conv_case({1, 9, 9, 32, 32, 3, 3, spec(1, 1, 1, 32), true, R6, false, F32}));
  v.push_back(
      conv_case({1, 10, 10, 24, 24, 3, 3, {2, 2, 0, 1, 0, 1, 1, 1, 24}, true, R6, false, F32}));
  v.push_back(conv_case({2, 7, 5, 17, 17, 3, 3, spec(1, 1, 1, 17), true, N, true, F32}));
  v.push_back(conv_case({1, 8, 6, 16, 32, 3, 3, spec(1, 1, 1, 16), true, R6, false, F32}));
  v.push_back(conv_case({1, 12, 12, 48, 48, 5, 5, spec(1, 2, 1, 48), true, N, false, F32}));
  v.push_back(
      conv_case({1, 16, 16, 24, 24, 5, 5, {2, 2, 1, 2, 1, 2, 1, 1, 24}, true, RL, false, F32}));
  v.push_back(conv_case({1, 11, 13, 40, 40, 3, 3, spec(1, 1, 1, 40), true, R6, false, BF16}));
  v.push_back(conv_case({1, 14, 14, 96, 96, 3, 3, spec(1, 1, 1, 96), true, R6, true, F32}));
  v.push_back(
      conv_case({1, 7, 7, 144, 144, 3, 3, {2, 2, 0, 1, 0, 1, 1, 1, 144}, false, N, false, F32}));
  v.push_back(conv_case({1, 5, 5, 3, 3, 3, 3, spec(1, 0, 1, 3), false, R6, false, F16}));
  // Pointwise (1x1) with relu6: MobileNetV2's expansion layers.
  v.push_back(conv_case({1, 7, 9, 24, 144, 1, 1, spec(1, 0), true, R6, false, F32}));
  // BlazeFace's block ends: relu(conv(x) + x) in one call (post-residual activation), after a
  // depthwise 5x5 and a pointwise conv; also relu6 -> residual -> relu6.
  v.push_back(conv_case({1, 12, 12, 24, 24, 5, 5, spec(1, 2, 1, 24), true, N, true, F32, RL}));
  v.push_back(conv_case({1, 9, 11, 24, 24, 1, 1, spec(1, 0), true, N, true, F32, RL}));
  v.push_back(conv_case({1, 8, 8, 32, 16, 3, 3, spec(1, 1), false, R6, true, BF16, R6}));
  // Grouped, not depthwise: 4 groups of 6 -> 4 groups of 3.
  v.push_back(conv_case({1, 9, 8, 24, 12, 3, 3, spec(1, 1, 1, 4), true, R6, false, F32}));
}

void add_conv_cases(std::vector<OpCase>& v) {
  const auto N = Activation::None;
  v.push_back(conv_case({1, 5, 7, 3, 4, 3, 3, spec(1, 1), true, N, false, F32}));
  v.push_back(conv_case({2, 6, 5, 5, 7, 3, 3, {2, 2, 0, 1, 0, 1, 1, 1, 1}, false, N, false, F32}));
  v.push_back(conv_case({1, 8, 8, 6, 9, 1, 1, spec(1, 0), true, Activation::Silu, true, F32}));
  v.push_back(conv_case({1, 9, 7, 4, 6, 3, 3, spec(1, 2, 2), true, N, false, F32}));
  v.push_back(conv_case({1, 6, 6, 8, 8, 3, 3, spec(1, 1, 1, 4), true, N, false, F32}));
  v.push_back(
      conv_case({1, 7, 5, 16, 12, 3, 3, spec(2, 1, 1, 2), true, Activation::Gelu, false, F32}));
  v.push_back(conv_case({1, 8, 8, 40, 24, 3, 3, spec(1, 1), true, N, true, F32}));
  v.push_back(
      conv_case({1, 6, 6, 6, 6, 3, 3, spec(1, 1, 1, 6), true, Activation::Relu, false, F32}));
  v.push_back(conv_case({2, 5, 6, 7, 5, 3, 3, spec(1, 1), true, N, true, F16}));
  v.push_back(conv_case({1, 6, 9, 3, 5, 2, 3, {1, 2, 1, 0, 2, 1, 1, 1, 1}, true, N, false, BF16}));
  // 16-bit outputs (the VAE decoder's upsampling convs store bf16 maps): oneDNN writing bf16
  // directly, with a residual summed in the output's type, a narrow (<= 8 channel) conv and
  // an f16 output, both converted from f32.
  v.push_back(conv_case({1, 9, 7, 16, 24, 3, 3, spec(1, 1), true, N, false, BF16, N, BF16}));
  v.push_back(conv_case({1, 6, 5, 16, 16, 3, 3, spec(1, 1), true, N, true, F32, N, BF16}));
  v.push_back(conv_case({1, 7, 6, 12, 3, 3, 3, spec(1, 1), true, N, false, BF16, N, BF16}));
  v.push_back(conv_case({2, 5, 5, 8, 16, 3, 3, spec(1, 1), true, N, false, F32, N, F16}));
  v.push_back(conv_case({1, 16, 16, 32, 64, 3, 3, spec(1, 1), true, Activation::Silu, true, F32}));
  v.push_back(conv_case({2, 4, 4, 64, 33, 1, 1, spec(1, 0), false, N, false, F32}));
  add_depthwise_cases(v);
  // Few output channels (the tap-GEMM path, cpu_conv_narrow.cpp): ESRGAN's to-RGB conv, 5x5
  // with fused activations, pads past the kernel (rows that see only padding), and a 512-wide
  // map whose taps need several row bands (halo rows recomputed at each band edge).
  v.push_back(conv_case({1, 20, 37, 48, 3, 3, 3, spec(1, 1), true, N, false, F32}));
  v.push_back(conv_case(
      {2, 9, 7, 16, 8, 5, 5, spec(1, 2), true, Activation::Relu6, true, BF16, Activation::Relu}));
  v.push_back(conv_case({1, 4, 5, 6, 2, 3, 3, spec(1, 4), true, N, false, F32}));
  v.push_back(
      conv_case({1, 20, 512, 4, 8, 5, 5, {1, 1, 2, 1, 0, 3, 1, 1, 1}, true, N, false, F32}));
}

void add_linear_cases(std::vector<OpCase>& v) {
  struct L {
    Shape x;
    std::int64_t out;
    bool bias;
    Activation act;
    bool residual;
    DType dt;
    Activation post_act = Activation::None;
  };
  const std::vector<L> ls = {
      {{3, 5, 7}, 9, true, Activation::None, false, F32},
      {{1, 77, 40}, 64, true, Activation::Gelu, false, F32},
      {{4, 13}, 3, false, Activation::None, true, F32},
      {{2, 3, 8}, 16, true, Activation::QuickGelu, false, BF16},
      {{1, 1, 1}, 1, true, Activation::None, false, F32},
      {{2, 33, 96}, 80, true, Activation::GeluTanh, true, F16},
      {{1, 64, 320}, 320, true, Activation::None, true, F32},
      // Every activation as a fused post-op.
      {{5, 24}, 17, true, Activation::Sigmoid, false, F32},
      {{5, 24}, 17, true, Activation::Tanh, true, F32},
      {{5, 24}, 17, false, Activation::Relu, false, F32},
      {{5, 24}, 17, true, Activation::Silu, true, F32},
      {{7}, 5, true, Activation::None, false, F32},
      // Post-residual activations.
      {{3, 40}, 24, true, Activation::None, true, F32, Activation::Relu},
      {{2, 4, 33}, 9, false, Activation::Gelu, true, BF16, Activation::Relu6}};
  for (const L& l : ls) {
    std::string name = "linear x" + l.x.str() + " out " + std::to_string(l.out) +
                       (l.bias ? " bias" : "") + " act " + act_name(l.act) +
                       (l.residual ? " residual" : "") + " post " + act_name(l.post_act) + " in " +
                       std::string(dtype_name(l.dt));
    v.push_back({name, OpKind::Linear, kExact, kBf16, [l](Backend& be, std::mt19937& rng) {
                   BuiltCall b;
                   const float bound = 1.0f / std::sqrt(float(l.x[-1]));
                   Tensor w = random_tensor(be, rng, {l.out, l.x[-1]}, F32, -bound, bound);
                   Tensor bias = random_tensor(be, rng, {l.out});
                   b.weight = ops::prepare_linear(be, w, l.bias ? &bias : nullptr);
                   b.tensors.push_back(random_tensor(be, rng, l.x, l.dt));
                   Shape out = l.x;
                   out[-1] = l.out;
                   if (l.residual) b.tensors.push_back(random_tensor(be, rng, out));
                   b.call.kind = OpKind::Linear;
                   b.call.in[0] = &b.tensors[0];
                   if (l.residual) b.call.in[1] = &b.tensors[1];
                   b.call.weight = b.weight.get();
                   b.call.params.act = l.act;
                   b.call.params.post_act = l.post_act;
                   return b;
                 }});
  }
}

void add_norm_cases(std::vector<OpCase>& v) {
  struct G {
    Shape x;
    int groups;
    float eps;
    Activation act;
    DType dt;
    DType out = DType::F32;
  };
  const std::vector<G> gs = {{{1, 4, 4, 32}, 32, 1e-5f, Activation::None, F32},
                             {{2, 3, 5, 12}, 3, 1e-5f, Activation::Silu, F32},
                             {{1, 7, 9, 64}, 32, 1e-6f, Activation::Silu, F32},
                             {{2, 16, 10}, 5, 1e-5f, Activation::None, F32},
                             {{1, 5, 3, 96}, 32, 1e-6f, Activation::Silu, BF16},
                             {{1, 1, 1, 8}, 2, 1e-5f, Activation::None, F32},
                             {{2, 3, 3, 20}, 4, 1e-5f, Activation::Gelu, F16},
                             // Written in a 16-bit type (what the next bf16 convolution reads):
                             // from f32 and, as in the VAE decoder, from a bf16 map.
                             {{1, 5, 3, 96}, 32, 1e-6f, Activation::Silu, F32, BF16},
                             {{2, 3, 5, 40}, 8, 1e-6f, Activation::Silu, BF16, BF16},
                             {{1, 4, 3, 20}, 4, 1e-5f, Activation::None, F16, F16}};
  for (const G& g : gs) {
    std::string name = "group_norm x" + g.x.str() + " groups " + std::to_string(g.groups) +
                       " eps " + std::to_string(g.eps) + " act " + act_name(g.act) + " in " +
                       std::string(dtype_name(g.dt));
    if (g.out != F32) name += " out " + std::string(dtype_name(g.out));
    // Both backends round the same f32 values to the 16-bit output, but their f32 values differ
    // in the last bits (summation order), which can flip the rounding of a few elements by one
    // 16-bit ulp (relative 2^-8): NMSE ~1e-7 for one flip in a hundred values.
    const double tol = g.out == F32 ? kExact : 1e-5;
    v.push_back({name, OpKind::GroupNorm, tol, tol, [g](Backend& be, std::mt19937& rng) {
                   OpParams p;
                   p.groups = g.groups;
                   p.eps = g.eps;
                   p.act = g.act;
                   // An offset mean tests the variance computation's cancellation.
                   return single(
                       OpKind::GroupNorm,
                       {random_tensor(be, rng, g.x, g.dt, 2.0f, 5.0f),
                        random_tensor(be, rng, {g.x[-1]}), random_tensor(be, rng, {g.x[-1]})},
                       p, g.out);
                 }});
  }
  for (Shape x : {Shape{2, 7, 40}, Shape{1, 5, 33}, Shape{3, 1}, Shape{1, 77, 768}}) {
    v.push_back({"layer_norm x" + x.str(), OpKind::LayerNorm, kExact, kExact,
                 [x](Backend& be, std::mt19937& rng) {
                   OpParams p;
                   p.eps = 1e-5f;
                   return single(OpKind::LayerNorm,
                                 {random_tensor(be, rng, x, F32, -3.0f, 4.0f),
                                  random_tensor(be, rng, {x[-1]}), random_tensor(be, rng, {x[-1]})},
                                 p);
                 }});
  }
}

void add_elementwise_cases(std::vector<OpCase>& v) {
  for (Shape x : {Shape{2, 3, 17}, Shape{1, 1}, Shape{4, 100}, Shape{1, 8, 4096}}) {
    v.push_back({"softmax x" + x.str() + " range 30", OpKind::Softmax, kExact, kExact,
                 [x](Backend& be, std::mt19937& rng) {
                   return single(OpKind::Softmax, {random_tensor(be, rng, x, F32, -30.0f, 30.0f)});
                 }});
  }
  for (int a = 0; a <= static_cast<int>(Activation::Relu6); ++a) {
    const auto act = static_cast<Activation>(a);
    v.push_back(
        {"activation " + act_name(act) + " x[3, 37]", OpKind::Activation, kExact, kExact,
         [act](Backend& be, std::mt19937& rng) {
           OpParams p;
           p.act = act;
           return single(OpKind::Activation, {random_tensor(be, rng, {3, 37}, F32, -6, 6)}, p);
         }});
  }
  v.push_back(
      {"geglu x[2, 5, 38]", OpKind::Geglu, kExact, kExact, [](Backend& be, std::mt19937& rng) {
         return single(OpKind::Geglu, {random_tensor(be, rng, {2, 5, 38}, F32, -4, 4)});
       }});
  v.push_back({"geglu x[1, 9, 2560] bf16", OpKind::Geglu, kExact, kExact,
               [](Backend& be, std::mt19937& rng) {
                 return single(OpKind::Geglu, {random_tensor(be, rng, {1, 9, 2560}, BF16, -4, 4)});
               }});
  for (auto [x, f] : {std::pair{Shape{1, 3, 5, 7}, 2}, std::pair{Shape{2, 2, 3, 4}, 3},
                      std::pair{Shape{1, 4, 4, 320}, 2}}) {
    v.push_back({"upsample_nearest x" + x.str() + " factor " + std::to_string(f),
                 OpKind::UpsampleNearest, 0.0, 0.0, [x, f](Backend& be, std::mt19937& rng) {
                   OpParams p;
                   p.factor = f;
                   return single(OpKind::UpsampleNearest, {random_tensor(be, rng, x)}, p);
                 }});
  }
  // Into the input's own 16-bit dtype (the VAE decoder upsamples bf16 maps): exact copies.
  for (auto [x, f, dt] :
       {std::tuple{Shape{1, 3, 5, 24}, 2, BF16}, std::tuple{Shape{2, 2, 3, 5}, 3, F16}}) {
    v.push_back({"upsample_nearest x" + x.str() + " factor " + std::to_string(f) + " " +
                     std::string(dtype_name(dt)) + " -> " + std::string(dtype_name(dt)),
                 OpKind::UpsampleNearest, 0.0, 0.0, [x, f, dt](Backend& be, std::mt19937& rng) {
                   OpParams p;
                   p.factor = f;
                   return single(OpKind::UpsampleNearest, {random_tensor(be, rng, x, dt)}, p, dt);
                 }});
  }
  // Explicit sizes (ComfyUI's Upsample to a skip's size): 2·in − 1, non-uniform, shrinking.
  for (auto [x, oh, ow] : {std::tuple{Shape{1, 5, 4, 8}, 9, 8}, std::tuple{Shape{2, 3, 5, 6}, 5, 9},
                           std::tuple{Shape{1, 7, 6, 3}, 3, 13}}) {
    v.push_back(
        {"upsample_nearest x" + x.str() + " to " + std::to_string(oh) + "x" + std::to_string(ow),
         OpKind::UpsampleNearest, 0.0, 0.0, [x, oh, ow](Backend& be, std::mt19937& rng) {
           OpParams p;
           p.out_h = oh;
           p.out_w = ow;
           return single(OpKind::UpsampleNearest, {random_tensor(be, rng, x)}, p);
         }});
  }
  v.push_back({"scale_bias x[4, 9] * 0.18215 - 0.5", OpKind::ScaleBias, kExact, kExact,
               [](Backend& be, std::mt19937& rng) {
                 OpParams p;
                 p.scale = 0.18215f;
                 p.bias = -0.5f;
                 return single(OpKind::ScaleBias, {random_tensor(be, rng, {4, 9})}, p);
               }});
}

void add_binary_cases(std::vector<OpCase>& v) {
  struct B {
    Shape a, b;
    DType bt;
  };
  const std::vector<B> bs = {{{2, 3, 5}, {2, 3, 5}, F32},
                             {{2, 4, 4, 7}, {7}, F32},
                             {{2, 4, 3, 7}, {3, 7}, F32},
                             {{3, 11}, {3, 11}, BF16},
                             {{1, 8, 8, 320}, {320}, F16}};
  for (OpKind kind : {OpKind::Add, OpKind::Mul}) {
    for (const B& c : bs) {
      v.push_back(
          {std::string(op_name(kind)) + " a" + c.a.str() + " b" + c.b.str() + " " +
               std::string(dtype_name(c.bt)),
           kind, kExact, kExact, [kind, c](Backend& be, std::mt19937& rng) {
             return single(kind, {random_tensor(be, rng, c.a), random_tensor(be, rng, c.b, c.bt)});
           }});
    }
  }
}

void add_layout_cases(std::vector<OpCase>& v) {
  struct C {
    std::vector<Shape> parts;
    int axis;
  };
  const std::vector<C> cs = {{{{1, 3, 3, 4}, {1, 3, 3, 5}}, -1},
                             {{{2, 2, 3}, {2, 1, 3}, {2, 4, 3}}, 1},
                             {{{1, 5}, {2, 5}, {1, 5}, {3, 5}}, 0},
                             {{{1, 4, 4, 320}, {1, 4, 4, 640}}, 3}};
  for (const C& c : cs) {
    std::string name = "concat axis " + std::to_string(c.axis);
    for (const Shape& s : c.parts) name.append(" ").append(s.str());
    v.push_back({name, OpKind::Concat, 0.0, 0.0, [c](Backend& be, std::mt19937& rng) {
                   std::vector<Tensor> parts;
                   for (const Shape& s : c.parts) parts.push_back(random_tensor(be, rng, s));
                   OpParams p;
                   p.axis = c.axis;
                   return single(OpKind::Concat, std::move(parts), p);
                 }});
  }
  for (auto [from, to] :
       {std::pair{F32, BF16}, std::pair{F32, F16}, std::pair{BF16, F32}, std::pair{F16, BF16}}) {
    v.push_back(
        {"convert [3, 41] " + std::string(dtype_name(from)) + " -> " + std::string(dtype_name(to)),
         OpKind::Convert, 0.0, 0.0, [from, to](Backend& be, std::mt19937& rng) {
           BuiltCall b = single(OpKind::Convert, {random_tensor(be, rng, {3, 41}, from)});
           b.out_dtype = to;
           return b;
         }});
  }
}

void add_attention_cases(std::vector<OpCase>& v) {
  struct A {
    std::int64_t b, nq, nk, heads, d, dv;
    bool causal;
    DType dt;
  };
  const std::vector<A> as = {{1, 7, 7, 1, 40, 40, false, F32},
                             {2, 13, 9, 2, 64, 64, false, F32},
                             {1, 33, 77, 8, 80, 80, false, F32},
                             {1, 17, 17, 3, 8, 8, true, F32},
                             {1, 5, 11, 2, 16, 24, false, F32},
                             {2, 70, 70, 2, 40, 40, true, F32},
                             {1, 300, 260, 1, 32, 32, false, F32},
                             {1, 130, 77, 5, 64, 64, false, BF16},
                             {1, 1, 1, 1, 1, 1, false, F32},
                             {1, 9, 4, 2, 40, 40, true, F16},
                             // Several query blocks and key tiles: online rescaling across tiles,
                             // causal tiles skipped and partially masked.
                             {1, 200, 1100, 2, 40, 40, false, F32},
                             {1, 600, 600, 1, 64, 64, true, BF16}};
  for (const A& a : as) {
    std::string name = "attention B" + std::to_string(a.b) + " Nq" + std::to_string(a.nq) + " Nk" +
                       std::to_string(a.nk) + " heads " + std::to_string(a.heads) + " D" +
                       std::to_string(a.d) + " Dv" + std::to_string(a.dv) +
                       (a.causal ? " causal" : "") + " in " + std::string(dtype_name(a.dt));
    v.push_back({name, OpKind::Attention, kExact, kBf16, [a](Backend& be, std::mt19937& rng) {
                   OpParams p;
                   p.heads = static_cast<int>(a.heads);
                   p.scale = 1.0f / std::sqrt(static_cast<float>(a.d));
                   p.causal = a.causal;
                   // A range of 3 gives peaked softmax rows, exercising the online rescaling.
                   return single(OpKind::Attention,
                                 {random_tensor(be, rng, {a.b, a.nq, a.heads * a.d}, a.dt, -3, 3),
                                  random_tensor(be, rng, {a.b, a.nk, a.heads * a.d}, a.dt, -3, 3),
                                  random_tensor(be, rng, {a.b, a.nk, a.heads * a.dv}, a.dt)},
                                 p);
                 }});
  }
}

// Pooling geometry: TF SAME (even and odd sizes, strides 1-3, non-square), VALID, explicit pads.
struct PoolCase {
  Shape x;
  int kh, kw, sh, sw;
  ops::Padding padding;
  DType dt;
};

std::string pool_name(OpKind kind, const PoolCase& c, const Pool2dSpec& p) {
  return std::string(op_name(kind)) + " x" + c.x.str() + " k" + std::to_string(p.kernel_h) + "x" +
         std::to_string(p.kernel_w) + " s" + std::to_string(p.stride_h) + "x" +
         std::to_string(p.stride_w) + " pad(t" + std::to_string(p.pad_top) + ",b" +
         std::to_string(p.pad_bottom) + ",l" + std::to_string(p.pad_left) + ",r" +
         std::to_string(p.pad_right) + ") in " + std::string(dtype_name(c.dt));
}

void add_pool_cases(std::vector<OpCase>& v) {
  using P = ops::Padding;
  const std::vector<PoolCase> cs = {
      {{1, 7, 9, 5}, 3, 3, 2, 2, P::Same, F32},    {{2, 6, 6, 3}, 2, 2, 2, 2, P::Valid, F32},
      {{1, 5, 8, 17}, 3, 3, 1, 1, P::Same, F32},   {{1, 9, 7, 33}, 3, 2, 2, 1, P::Same, F32},
      {{1, 11, 10, 20}, 5, 5, 3, 3, P::Same, F32}, {{1, 8, 8, 64}, 2, 2, 2, 2, P::Same, BF16},
      {{1, 1, 1, 4}, 1, 1, 1, 1, P::Valid, F32},   {{1, 7, 7, 40}, 7, 7, 1, 1, P::Valid, F32},
      {{2, 13, 6, 16}, 4, 3, 3, 2, P::Same, F16},  {{1, 3, 5, 7}, 3, 3, 2, 2, P::Valid, BF16}};
  for (OpKind kind : {OpKind::MaxPool2d, OpKind::AvgPool2d}) {
    for (const PoolCase& c : cs) {
      const Pool2dSpec p = ops::pool2d_spec(c.x[1], c.x[2], c.kh, c.kw, c.sh, c.sw, c.padding);
      v.push_back({pool_name(kind, c, p), kind, kExact, kExact,
                   [kind, c, p](Backend& be, std::mt19937& rng) {
                     OpParams params;
                     params.pool = p;
                     return single(kind, {random_tensor(be, rng, c.x, c.dt, -2.0f, 1.0f)}, params);
                   }});
    }
    // Explicit per-side pads (TF's EXPLICIT / a caller's own geometry).
    const Pool2dSpec asym{3, 2, 2, 1, 2, 0, 1, 1};
    v.push_back(
        {pool_name(kind, {{1, 6, 5, 9}, 3, 2, 2, 1, P::Valid, F32}, asym), kind, kExact, kExact,
         [kind, asym](Backend& be, std::mt19937& rng) {
           OpParams params;
           params.pool = asym;
           // All-negative inputs: a max that let padding (0) win would show.
           return single(kind, {random_tensor(be, rng, {1, 6, 5, 9}, F32, -3.0f, -1.0f)}, params);
         }});
  }
}

void add_vision_layout_cases(std::vector<OpCase>& v) {
  struct PadCase {
    Shape x;
    std::vector<std::array<std::int64_t, 2>> pads;
    float value;
    DType dt;
  };
  const std::vector<PadCase> ps = {
      {{1, 5, 6, 3}, {{0, 0}, {1, 2}, {2, 1}, {0, 0}}, 0.0f, F32},
      {{1, 4, 4, 24}, {{0, 0}, {0, 0}, {0, 0}, {0, 24}}, 0.0f, F32},
      {{3, 5}, {{1, 0}, {0, 3}}, -1.5f, F32},
      {{2, 3, 7}, {{0, 1}, {2, 2}, {1, 0}}, 7.0f, BF16},
      {{1, 7, 9, 5}, {{0, 0}, {0, 1}, {0, 1}, {0, 0}}, 0.0f, F16},
      {{6}, {{3, 4}}, 2.0f, F32},
      {{1, 2, 2, 2, 3}, {{0, 1}, {1, 0}, {0, 0}, {2, 0}, {1, 1}}, 0.5f, F32}};
  for (const PadCase& c : ps) {
    std::string name = "pad x" + c.x.str() + " pads";
    for (const auto& p : c.pads) {
      name.append(" ").append(std::to_string(p[0])).append("/").append(std::to_string(p[1]));
    }
    name += " value " + std::to_string(c.value) + " in " + std::string(dtype_name(c.dt));
    v.push_back({name, OpKind::Pad, 0.0, 0.0, [c](Backend& be, std::mt19937& rng) {
                   OpParams params;
                   for (std::size_t d = 0; d < c.pads.size(); ++d) params.pads[d] = c.pads[d];
                   params.pad_value = c.value;
                   return single(OpKind::Pad, {random_tensor(be, rng, c.x, c.dt)}, params);
                 }});
  }
  for (auto [x, r, dt] :
       {std::tuple{Shape{1, 3, 4, 8}, 2, F32}, std::tuple{Shape{2, 2, 3, 18}, 3, F32},
        std::tuple{Shape{1, 5, 5, 48}, 2, BF16}, std::tuple{Shape{1, 2, 3, 5}, 1, F32},
        std::tuple{Shape{1, 7, 6, 192}, 4, F32}}) {
    v.push_back({"depth_to_space x" + x.str() + " block " + std::to_string(r) + " in " +
                     std::string(dtype_name(dt)),
                 OpKind::DepthToSpace, 0.0, 0.0, [x, r, dt](Backend& be, std::mt19937& rng) {
                   OpParams params;
                   params.factor = r;
                   return single(OpKind::DepthToSpace, {random_tensor(be, rng, x, dt)}, params);
                 }});
  }
}

void add_reduction_cases(std::vector<OpCase>& v) {
  for (auto [x, lo, hi, dt] :
       {std::tuple{Shape{3, 37}, -0.5f, 0.7f, F32},
        std::tuple{Shape{2, 9, 9, 33}, 0.0f, 6.0f, BF16}, std::tuple{Shape{5}, 0.25f, 0.25f, F32},
        std::tuple{Shape{1, 4, 4, 100}, -1.0f, 1.0f, F16}}) {
    v.push_back({"clip x" + x.str() + " [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "] in " + std::string(dtype_name(dt)),
                 OpKind::Clip, 0.0, 0.0, [x, lo, hi, dt](Backend& be, std::mt19937& rng) {
                   OpParams params;
                   params.clip_min = lo;
                   params.clip_max = hi;
                   return single(OpKind::Clip, {random_tensor(be, rng, x, dt, -8.0f, 8.0f)},
                                 params);
                 }});
  }
  for (auto [x, dt] : {std::pair{Shape{1, 7, 7, 40}, F32}, std::pair{Shape{2, 5, 3, 130}, F32},
                       std::pair{Shape{1, 1, 1, 3}, F32}, std::pair{Shape{1, 16, 16, 1280}, BF16},
                       std::pair{Shape{2, 33, 35, 17}, F16}}) {
    v.push_back({"mean_hw x" + x.str() + " in " + std::string(dtype_name(dt)), OpKind::MeanHW,
                 kExact, kExact, [x, dt](Backend& be, std::mt19937& rng) {
                   // An offset mean: the sum must not lose the small variations to rounding.
                   return single(OpKind::MeanHW, {random_tensor(be, rng, x, dt, 3.0f, 5.0f)});
                 }});
  }
  v.push_back(
      {"activation relu6 x[4, 29] range 10", OpKind::Activation, 0.0, 0.0,
       [](Backend& be, std::mt19937& rng) {
         OpParams p;
         p.act = Activation::Relu6;
         return single(OpKind::Activation, {random_tensor(be, rng, {4, 29}, F32, -10, 10)}, p);
       }});
}

}  // namespace

Tensor random_tensor(Backend& backend, std::mt19937& rng, Shape shape, DType dtype, float lo,
                     float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(static_cast<std::size_t>(shape.numel()));
  for (float& x : values) x = dist(rng);
  return Tensor::from_host(backend, shape, values, dtype);
}

double nmse(const std::vector<float>& actual, const std::vector<float>& expected) {
  double err = 0, ref = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const double d = double{actual[i]} - expected[i];
    err += d * d;
    ref += double{expected[i]} * expected[i];
  }
  return ref > 0 ? err / ref : err;
}

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = [] {
    std::vector<OpCase> v;
    add_conv_cases(v);
    add_linear_cases(v);
    add_norm_cases(v);
    add_elementwise_cases(v);
    add_binary_cases(v);
    add_layout_cases(v);
    add_attention_cases(v);
    add_pool_cases(v);
    add_vision_layout_cases(v);
    add_reduction_cases(v);
    return v;
  }();
  return cases;
}

}  // namespace pixforge::testing
