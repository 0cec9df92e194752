// CLIP text encoder against tools/reference/text_clip.py on synthetic weights of the real
// layouts (SD 1.5 ViT-L/14: 123M params; SD 2.x ViT-H/14: 354M), stage by stage: embeddings,
// hidden states after a few layers (first 8 tokens), the final-norm outputs, and the whole
// output each family's conditioning uses.
//
// Tolerances (|a - e| <= atol + rtol·|e|):
//   f32 compute: atol 5e-5, rtol 5e-5. Both sides compute in f32; differences come from
//     summation order in matmuls/attention (oneDNN blocking vs PyTorch), growing slowly through
//     the layers. Measured: max abs 5e-6 (ViT-L) and 5.6e-6 (ViT-H) on outputs of scale ~1.
//   bf16 compute (weights and matmul inputs rounded to bf16, f32 accumulation): atol 0.06,
//     rtol 0.06 on the final output plus RMSE < 0.015. bf16 keeps 8 mantissa bits, so 12 layers
//     drift by about a percent of the activations' scale. Measured (ViT-L): max abs 0.027,
//     RMSE 0.0057.
#include "pixforge/text/clip_text_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "pixforge/cpu/cpu_backend.h"
#include "sd15_model.h"
#include "synthetic_weights.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::text {
namespace {

constexpr double kF32Tol = 5e-5;
constexpr int kKeepTokens = 8;  // intermediate goldens keep the first 8 tokens

std::vector<std::vector<std::int32_t>> token_rows(const testing::GoldenTensor& t) {
  std::vector<std::vector<std::int32_t>> rows(static_cast<std::size_t>(t.shape[0]));
  for (std::size_t b = 0; b < rows.size(); ++b) {
    for (std::int64_t i = 0; i < t.shape[1]; ++i) {
      rows[b].push_back(static_cast<std::int32_t>(
          t.ints[b * static_cast<std::size_t>(t.shape[1]) + static_cast<std::size_t>(i)]));
    }
  }
  return rows;
}

// The first kKeepTokens tokens of [B, N, C].
std::vector<float> head_tokens(const Tensor& x) {
  const auto all = x.to_host();
  const std::size_t n = static_cast<std::size_t>(x.dim(1)), c = static_cast<std::size_t>(x.dim(2));
  std::vector<float> out;
  for (std::size_t b = 0; b < static_cast<std::size_t>(x.dim(0)); ++b) {
    const auto* row = all.data() + b * n * c;
    out.insert(out.end(), row, row + kKeepTokens * c);
  }
  return out;
}

struct Model {
  std::unique_ptr<TensorSource> weights;
  testing::Golden golden;
};

Model load_model(const std::string& name) {
  Model m;
  m.weights = synthetic::make_component_source(
      synthetic::read_layout(testing::golden_path("layouts/" + name + "_clip.json")),
      "cond_stage_model.transformer.");
  m.golden = testing::load_golden(testing::golden_path("text/clip_" + name + ".safetensors"), 1);
  return m;
}

void expect_stages(const ClipTextEncoder& enc, const testing::Golden& g,
                   const std::vector<int>& layers) {
  const auto ids = token_rows(g.at("tokens"));
  const auto states = enc.hidden_states(ids, enc.prepared_layers());
  EXPECT_TRUE(testing::all_close(head_tokens(states[0]), g.at("embeddings").values, 1e-6, 1e-6));
  for (int i : layers) {
    EXPECT_TRUE(testing::all_close(head_tokens(states[static_cast<std::size_t>(i) + 1]),
                                   g.at("hidden." + std::to_string(i)).values, kF32Tol, kF32Tol))
        << "after layer " << i;
  }
  // The last layer is prepared only when the output uses it (SD 1.x, not SD 2.x).
  const bool all_layers = enc.prepared_layers() == enc.config().layers;
  const std::size_t penultimate = all_layers ? states.size() - 2 : states.size() - 1;
  if (all_layers) {
    EXPECT_TRUE(testing::all_close(head_tokens(enc.final_norm(states.back())),
                                   g.at("last_normed").values, kF32Tol, kF32Tol));
  }
  EXPECT_TRUE(testing::all_close(head_tokens(enc.final_norm(states[penultimate])),
                                 g.at("penultimate_normed").values, kF32Tol, kF32Tol));
}

// The SD 1.5 tests share one f32 encoder and its weights (sd15_model.h).
using testing_support::sd15_f32_encoder;
using testing_support::sd15_golden;
using testing_support::sd15_weights;

TEST(ClipSd15, ConfigFromWeightShapes) {
  const auto c = infer_clip_text_config(sd15_weights());
  EXPECT_EQ(c.layers, 12);
  EXPECT_EQ(c.width, 768);
  EXPECT_EQ(c.heads, 12);
  EXPECT_EQ(c.intermediate, 3072);
  EXPECT_EQ(c.vocab, 49408);
  EXPECT_EQ(c.positions, 77);
  EXPECT_EQ(c.activation, Activation::QuickGelu);
}

TEST(ClipSd15, F32MatchesReferenceStageByStage) {
  expect_stages(sd15_f32_encoder(), sd15_golden(), {0, 5, 11});
  const Tensor out = sd15_f32_encoder().encode(token_rows(sd15_golden().at("tokens")));
  EXPECT_EQ(out.shape(), (Shape{2, 77, 768}));
  const auto diff = testing::compare(out.to_host(), sd15_golden().at("output").values);
  std::printf("CLIP ViT-L f32 vs reference: max abs %.2g, rmse %.2g\n", diff.max_abs, diff.rmse);
  EXPECT_TRUE(
      testing::all_close(out.to_host(), sd15_golden().at("output").values, kF32Tol, kF32Tol));
}

TEST(ClipSd15, Bf16StaysCloseToReference) {
  auto backend = make_cpu_backend({DType::BF16, 0});
  const ClipTextEncoder enc(*backend, sd15_weights(), ClipTextOptions::sd1());
  const auto out = enc.encode(token_rows(sd15_golden().at("tokens"))).to_host();
  const auto& expected = sd15_golden().at("output").values;
  const auto diff = testing::compare(out, expected);
  std::printf("CLIP ViT-L bf16 vs f32 reference: max abs %.4f, rmse %.5f\n", diff.max_abs,
              diff.rmse);
  EXPECT_TRUE(testing::all_close(out, expected, 0.06, 0.06));
  EXPECT_LT(diff.rmse, 0.015);
}

TEST(ClipSd15, RejectsBadTokenRows) {
  const ClipTextEncoder& enc = sd15_f32_encoder();
  EXPECT_THROW(enc.encode({}), std::invalid_argument);
  EXPECT_THROW(enc.encode({{49406, 49408}}), std::invalid_argument);       // id too big
  EXPECT_THROW(enc.encode({{49406, -1}}), std::invalid_argument);          // negative
  EXPECT_THROW(enc.encode({{49406, 1}, {49406}}), std::invalid_argument);  // ragged
  EXPECT_THROW(enc.encode({std::vector<std::int32_t>(78, 1)}), std::invalid_argument);  // > 77
}

TEST(ClipSd2, F32PenultimateLayerMatchesReference) {
  const Model m = load_model("sd2");
  auto backend = make_cpu_backend({DType::F32, 0});
  const auto c = infer_clip_text_config(*m.weights);
  EXPECT_EQ(c.layers, 24);
  EXPECT_EQ(c.heads, 16);
  EXPECT_EQ(c.activation, Activation::Gelu);
  const ClipTextEncoder enc(*backend, *m.weights, ClipTextOptions::sd2());
  EXPECT_EQ(enc.prepared_layers(), 23);  // the 24th layer is checked but never run
  expect_stages(enc, m.golden, {0, 11, 22});
  const Tensor out = enc.encode(token_rows(m.golden.at("tokens")));
  EXPECT_EQ(out.shape(), (Shape{2, 77, 1024}));
  const auto diff = testing::compare(out.to_host(), m.golden.at("output").values);
  std::printf("CLIP ViT-H f32 vs reference: max abs %.2g, rmse %.2g\n", diff.max_abs, diff.rmse);
  EXPECT_TRUE(testing::all_close(out.to_host(), m.golden.at("output").values, kF32Tol, kF32Tol));
}

// A tiny layout (width 64, 2 layers) for load-time checks: no golden needed.
std::vector<synthetic::LayoutEntry> tiny_layout() {
  std::vector<synthetic::LayoutEntry> l = {
      {"text_model.embeddings.token_embedding.weight", Shape{100, 64}},
      {"text_model.embeddings.position_embedding.weight", Shape{77, 64}},
      {"text_model.final_layer_norm.weight", Shape{64}},
      {"text_model.final_layer_norm.bias", Shape{64}}};
  for (int i = 0; i < 2; ++i) {
    const std::string p = "text_model.encoder.layers." + std::to_string(i) + ".";
    for (const char* n : {"layer_norm1", "layer_norm2"}) {
      l.push_back({p + n + ".weight", Shape{64}});
      l.push_back({p + n + ".bias", Shape{64}});
    }
    for (const char* n : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      l.push_back({p + "self_attn." + n + ".weight", Shape{64, 64}});
      l.push_back({p + "self_attn." + n + ".bias", Shape{64}});
    }
    l.push_back({p + "mlp.fc1.weight", Shape{256, 64}});
    l.push_back({p + "mlp.fc1.bias", Shape{256}});
    l.push_back({p + "mlp.fc2.weight", Shape{64, 256}});
    l.push_back({p + "mlp.fc2.bias", Shape{64}});
  }
  return l;
}

std::string load_error(const std::vector<synthetic::LayoutEntry>& layout,
                       ClipTextOptions options = {}) {
  auto backend = make_reference_backend();
  try {
    ClipTextEncoder enc(*backend, *synthetic::make_source(layout), options);
  } catch (const ModelFormatError& e) {
    return e.what();
  }
  return "";
}

TEST(ClipTextWeights, WrongLayoutsAreNamedAtLoad) {
  auto layout = tiny_layout();
  EXPECT_EQ(load_error(layout), "");
  auto missing = layout;
  missing.pop_back();  // layers.1.mlp.fc2.bias
  EXPECT_NE(load_error(missing).find("layers.1.mlp.fc2.bias"), std::string::npos);
  auto misshapen = layout;
  misshapen[2].shape = Shape{65};  // final_layer_norm.weight
  EXPECT_NE(load_error(misshapen).find("final_layer_norm.weight has shape [65]"),
            std::string::npos);
  auto extra = layout;
  extra.push_back({"text_model.encoder.layers.0.self_attn.qkv.weight", Shape{192, 64}});
  EXPECT_NE(load_error(extra).find("unexpected tensor text_model.encoder.layers.0.self_attn.qkv"),
            std::string::npos);
  // Layers past the chosen output are not prepared but still checked.
  auto last_layer_bad = layout;
  last_layer_bad.back().shape = Shape{63};  // layers.1.mlp.fc2.bias
  EXPECT_NE(load_error(last_layer_bad, ClipTextOptions::sd2()).find("layers.1.mlp.fc2.bias"),
            std::string::npos);
  auto odd_width = layout;
  odd_width[0].shape = Shape{100, 60};
  EXPECT_NE(load_error(odd_width).find("not a CLIP text layout"), std::string::npos);
  EXPECT_NE(load_error({}).find("token_embedding"), std::string::npos);
}

TEST(ClipTextWeights, LayerOptionSelectsHiddenStateLikeComfyUi) {
  const auto source = synthetic::make_source(tiny_layout());
  auto backend = make_reference_backend();
  const std::vector<std::vector<std::int32_t>> ids = {{1, 5, 99, 7}};
  const ClipTextEncoder full(*backend, *source);
  const auto states = full.hidden_states(ids, 2);
  EXPECT_THROW(full.hidden_states(ids, 3), std::invalid_argument);
  // -1 = after the last layer, -2 = after layer 0 (= layer index 0), normed or not.
  EXPECT_EQ(ClipTextEncoder(*backend, *source, {-1, true}).encode(ids).to_host(),
            full.final_norm(states[2]).to_host());
  EXPECT_EQ(ClipTextEncoder(*backend, *source, {-2, true}).encode(ids).to_host(),
            full.final_norm(states[1]).to_host());
  EXPECT_EQ(ClipTextEncoder(*backend, *source, {0, false}).encode(ids).to_host(),
            states[1].to_host());
  EXPECT_THROW(ClipTextEncoder(*backend, *source, {2, true}), std::invalid_argument);
  EXPECT_THROW(ClipTextEncoder(*backend, *source, {-3, true}), std::invalid_argument);
}

// An in-memory source holding the tiny layout's synthetic values as f16, as a real f16 file does.
class F16Source final : public TensorSource {
 public:
  explicit F16Source(const std::vector<synthetic::LayoutEntry>& layout) {
    storage_.reserve(layout.size());
    for (const auto& e : layout) {
      const auto v = synthetic::values(e.name, e.shape);
      auto& raw = storage_.emplace_back(v.size());
      convert_from_f32(DType::F16, v.data(), raw.data(), v.size());
      infos_.push_back({e.name, DType::F16, e.shape, raw.data(), raw.size() * 2});
    }
  }
  const TensorInfo* find(std::string_view name) const override {
    for (const auto& t : infos_) {
      if (t.name == name) return &t;
    }
    return nullptr;
  }
  const std::vector<TensorInfo>& tensors() const override { return infos_; }
  const std::string& origin() const override { return origin_; }

 private:
  std::string origin_ = "f16 test source";
  std::vector<std::vector<std::uint16_t>> storage_;
  std::vector<TensorInfo> infos_;
};

// A source of f32 tensors holding f16-rounded values of `f16`'s tensors.
class WidenedSource final : public TensorSource {
 public:
  explicit WidenedSource(const TensorSource& f16) {
    storage_.reserve(f16.tensors().size());
    for (const auto& t : f16.tensors()) {
      auto& v = storage_.emplace_back(static_cast<std::size_t>(t.shape.numel()));
      convert_to_f32(t.dtype, t.data, v.data(), v.size());
      infos_.push_back({t.name, DType::F32, t.shape, v.data(), v.size() * 4});
    }
  }
  const TensorInfo* find(std::string_view name) const override {
    for (const auto& t : infos_) {
      if (t.name == name) return &t;
    }
    return nullptr;
  }
  const std::vector<TensorInfo>& tensors() const override { return infos_; }
  const std::string& origin() const override { return origin_; }

 private:
  std::string origin_ = "widened test source";
  std::vector<std::vector<float>> storage_;
  std::vector<TensorInfo> infos_;
};

TEST(ClipTextWeights, F16WeightsAreComputedInTheBackendsF32) {
  // ComfyUI keeps text-encoder weights f16 and computes in f32: the result must equal running
  // f32 weights holding the same (f16-rounded) values.
  const F16Source f16(tiny_layout());
  const WidenedSource f32(f16);
  auto backend = make_cpu_backend({DType::F32, 0});
  const std::vector<std::vector<std::int32_t>> ids = {{1, 5, 99, 7, 0, 0}};
  EXPECT_EQ(ClipTextEncoder(*backend, f16).encode(ids).to_host(),
            ClipTextEncoder(*backend, f32).encode(ids).to_host());
}

TEST(ClipTextWeights, TinyModelRunsOnReferenceAndCpuBackendsAlike) {
  const auto source = synthetic::make_source(tiny_layout());
  auto reference = make_reference_backend();
  auto cpu = make_cpu_backend({DType::F32, 0});
  const std::vector<std::vector<std::int32_t>> ids = {{1, 5, 99, 7}, {3, 3, 3, 3}};
  const auto a = ClipTextEncoder(*reference, *source).encode(ids).to_host();
  const auto b = ClipTextEncoder(*cpu, *source).encode(ids).to_host();
  EXPECT_TRUE(testing::all_close(b, a, 1e-5, 1e-5));
}

}  // namespace
}  // namespace pixforge::text
