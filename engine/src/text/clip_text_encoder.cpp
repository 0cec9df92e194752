#include "pixforge/text/clip_text_encoder.h"

#include <cmath>
#include <set>
#include <stdexcept>
#include <string>

#include "pixforge/core/ops.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge::text {
namespace {

constexpr std::int64_t kHeadDim = 64;
constexpr float kLayerNormEps = 1e-5f;
const std::string kPrefix = "text_model.";

std::string layer_prefix(int i) { return kPrefix + "encoder.layers." + std::to_string(i) + "."; }

[[noreturn]] void bad_weights(const TensorSource& w, const std::string& what) {
  throw ModelFormatError("CLIP text encoder weights in " + w.origin() + ": " + what);
}

const TensorInfo& require_shape(const TensorSource& w, const std::string& name,
                                const Shape& shape) {
  const TensorInfo& t = w.require(name);
  if (t.shape != shape) {
    bad_weights(w, name + " has shape " + t.shape.str() + ", expected " + shape.str());
  }
  return t;
}

// Reads tensors by name, remembering which were used so unexpected ones can be reported.
class Loader {
 public:
  Loader(Backend& backend, const TensorSource& w) : backend_(backend), w_(w) {
    if (!backend.is_host()) staging_ = make_reference_backend();  // prepare_* wants host tensors
  }

  const TensorInfo& take(const std::string& name, const Shape& shape) {
    used_.insert(name);
    return require_shape(w_, name, shape);
  }

  // While false, tensors are only checked (shape, presence) and marked used: layers past the
  // chosen output (SD 2.x's last layer) are never run, so they are not prepared.
  void set_prepare(bool prepare) { prepare_ = prepare; }

  std::shared_ptr<const PreparedWeight> linear(const std::string& prefix, std::int64_t out,
                                               std::int64_t in) {
    const TensorInfo& w = take(prefix + "weight", Shape{out, in});
    const TensorInfo& b = take(prefix + "bias", Shape{out});
    if (!prepare_) return nullptr;
    const Tensor weight = host(w), bias = host(b);
    return ops::prepare_linear(backend_, weight, &bias);
  }

  Tensor vector(const std::string& name, std::int64_t size) {
    const TensorInfo& t = take(name, Shape{size});
    if (!prepare_) return Tensor();
    std::vector<float> v(static_cast<std::size_t>(size));
    convert_to_f32(t.dtype, t.data, v.data(), v.size());
    return Tensor::from_host(backend_, Shape{size}, v);
  }

  // Names under text_model. no layer asked for (position_ids is an index buffer, not a weight).
  void check_all_used() const {
    for (const TensorInfo& t : w_.tensors()) {
      if (t.name.rfind(kPrefix, 0) == 0 && !used_.count(t.name) &&
          t.name != kPrefix + "embeddings.position_ids") {
        bad_weights(w_, "unexpected tensor " + t.name + " (not a CLIP text transformer layout?)");
      }
    }
  }

 private:
  Tensor host(const TensorInfo& t) {
    if (!is_float_dtype(t.dtype)) bad_weights(w_, t.name + " is not a float tensor");
    return Tensor::from_host_raw(staging_ ? *staging_ : backend_, t.shape, t.dtype, t.data);
  }

  Backend& backend_;
  const TensorSource& w_;
  std::unique_ptr<Backend> staging_;
  std::set<std::string> used_;
  bool prepare_ = true;
};

struct Layer {
  Tensor ln1_gamma, ln1_beta, ln2_gamma, ln2_beta;
  std::shared_ptr<const PreparedWeight> q, k, v, out, fc1, fc2;
};

}  // namespace

ClipTextConfig infer_clip_text_config(const TensorSource& w) {
  ClipTextConfig c;
  const TensorInfo& tokens = w.require(kPrefix + "embeddings.token_embedding.weight");
  const TensorInfo& positions = w.require(kPrefix + "embeddings.position_embedding.weight");
  if (tokens.shape.rank() != 2 || positions.shape.rank() != 2) {
    bad_weights(w, "token/position embeddings must be 2-D");
  }
  c.vocab = tokens.shape[0];
  c.width = tokens.shape[1];
  c.positions = positions.shape[0];
  if (c.width <= 0 || c.width % kHeadDim != 0 || positions.shape[1] != c.width || c.positions < 2) {
    bad_weights(w, "embedding widths " + tokens.shape.str() + " / " + positions.shape.str() +
                       " are not a CLIP text layout (width a multiple of 64)");
  }
  c.heads = c.width / kHeadDim;
  while (w.find(layer_prefix(c.layers) + "layer_norm1.weight") != nullptr) ++c.layers;
  if (c.layers == 0) bad_weights(w, "no " + layer_prefix(0) + "* tensors");
  const TensorInfo& fc1 = w.require(layer_prefix(0) + "mlp.fc1.weight");
  if (fc1.shape.rank() != 2) bad_weights(w, fc1.name + " must be 2-D");
  c.intermediate = fc1.shape[0];
  c.activation = c.width == 768 ? Activation::QuickGelu : Activation::Gelu;
  return c;
}

struct ClipTextEncoder::Impl {
  Backend* backend = nullptr;
  ClipTextConfig config;
  ClipTextOptions options;
  int run_layers = 0;  // layers evaluated for the chosen hidden state
  DType token_dtype = DType::F32;
  std::vector<std::uint8_t> token_table;  // [vocab, width] in the file's dtype (a host lookup)
  std::vector<float> position_table;      // [positions, width]
  std::vector<Layer> layers;
  Tensor final_gamma, final_beta;

  Tensor embed(const std::vector<std::vector<std::int32_t>>& ids) const;
  Tensor run_layer(const Layer& l, const Tensor& x) const;
};

ClipTextEncoder::ClipTextEncoder(Backend& backend, const TensorSource& w, ClipTextOptions options)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.backend = &backend;
  m.options = options;
  m.config = infer_clip_text_config(w);
  const ClipTextConfig& c = m.config;
  if (options.layer >= c.layers || options.layer < -c.layers) {
    throw std::invalid_argument("CLIP layer option " + std::to_string(options.layer) +
                                " is outside this model's " + std::to_string(c.layers) + " layers");
  }
  m.run_layers = options.layer < 0 ? c.layers + options.layer + 1 : options.layer + 1;

  Loader load(backend, w);
  const TensorInfo& tokens =
      load.take(kPrefix + "embeddings.token_embedding.weight", Shape{c.vocab, c.width});
  if (!is_float_dtype(tokens.dtype)) bad_weights(w, tokens.name + " is not a float tensor");
  m.token_dtype = tokens.dtype;
  const auto* bytes = static_cast<const std::uint8_t*>(tokens.data);
  m.token_table.assign(bytes, bytes + tokens.nbytes);
  const TensorInfo& pos =
      load.take(kPrefix + "embeddings.position_embedding.weight", Shape{c.positions, c.width});
  if (!is_float_dtype(pos.dtype)) bad_weights(w, pos.name + " is not a float tensor");
  m.position_table.resize(static_cast<std::size_t>(c.positions * c.width));
  convert_to_f32(pos.dtype, pos.data, m.position_table.data(), m.position_table.size());

  for (int i = 0; i < c.layers; ++i) {
    const std::string p = layer_prefix(i);
    load.set_prepare(i < m.run_layers);
    Layer l;
    l.ln1_gamma = load.vector(p + "layer_norm1.weight", c.width);
    l.ln1_beta = load.vector(p + "layer_norm1.bias", c.width);
    l.q = load.linear(p + "self_attn.q_proj.", c.width, c.width);
    l.k = load.linear(p + "self_attn.k_proj.", c.width, c.width);
    l.v = load.linear(p + "self_attn.v_proj.", c.width, c.width);
    l.out = load.linear(p + "self_attn.out_proj.", c.width, c.width);
    l.ln2_gamma = load.vector(p + "layer_norm2.weight", c.width);
    l.ln2_beta = load.vector(p + "layer_norm2.bias", c.width);
    l.fc1 = load.linear(p + "mlp.fc1.", c.intermediate, c.width);
    l.fc2 = load.linear(p + "mlp.fc2.", c.width, c.intermediate);
    if (i < m.run_layers) m.layers.push_back(std::move(l));
  }
  load.set_prepare(true);
  m.final_gamma = load.vector(kPrefix + "final_layer_norm.weight", c.width);
  m.final_beta = load.vector(kPrefix + "final_layer_norm.bias", c.width);
  load.check_all_used();
}

ClipTextEncoder::~ClipTextEncoder() = default;
ClipTextEncoder::ClipTextEncoder(ClipTextEncoder&&) noexcept = default;
ClipTextEncoder& ClipTextEncoder::operator=(ClipTextEncoder&&) noexcept = default;

const ClipTextConfig& ClipTextEncoder::config() const { return impl_->config; }
const ClipTextOptions& ClipTextEncoder::options() const { return impl_->options; }
int ClipTextEncoder::prepared_layers() const { return impl_->run_layers; }
Backend& ClipTextEncoder::backend() const { return *impl_->backend; }

// token_embedding[ids] + position_embedding[:N] on the host, then one upload: [B, N, width].
Tensor ClipTextEncoder::Impl::embed(const std::vector<std::vector<std::int32_t>>& ids) const {
  if (ids.empty()) throw std::invalid_argument("CLIP text encoder: no token rows to encode");
  const std::size_t n = ids[0].size();
  if (n == 0 || n > static_cast<std::size_t>(config.positions)) {
    throw std::invalid_argument("CLIP text encoder: " + std::to_string(n) +
                                " tokens per row, expected 1.." + std::to_string(config.positions));
  }
  const std::size_t width = static_cast<std::size_t>(config.width);
  const std::size_t row_bytes = width * dtype_size(token_dtype);
  std::vector<float> x(ids.size() * n * width);
  for (std::size_t b = 0; b < ids.size(); ++b) {
    if (ids[b].size() != n)
      throw std::invalid_argument("CLIP text encoder: rows of unequal length");
    for (std::size_t t = 0; t < n; ++t) {
      const std::int32_t id = ids[b][t];
      if (id < 0 || id >= config.vocab) {
        throw std::invalid_argument("CLIP text encoder: token id " + std::to_string(id) +
                                    " outside the vocabulary of " + std::to_string(config.vocab));
      }
      float* out = x.data() + (b * n + t) * width;
      convert_to_f32(token_dtype, token_table.data() + static_cast<std::size_t>(id) * row_bytes,
                     out, width);
      const float* pos = position_table.data() + t * width;
      for (std::size_t c = 0; c < width; ++c) out[c] += pos[c];
    }
  }
  return Tensor::from_host(
      *backend,
      Shape{static_cast<std::int64_t>(ids.size()), static_cast<std::int64_t>(n), config.width}, x);
}

Tensor ClipTextEncoder::Impl::run_layer(const Layer& l, const Tensor& x) const {
  const float scale = 1.0f / std::sqrt(static_cast<float>(kHeadDim));
  const Tensor h = ops::layer_norm(x, l.ln1_gamma, l.ln1_beta, kLayerNormEps);  // [B, N, C]
  const Tensor q = ops::linear(h, *l.q), k = ops::linear(h, *l.k), v = ops::linear(h, *l.v);
  const Tensor a = ops::attention(q, k, v, static_cast<int>(config.heads), scale, /*causal=*/true);
  const Tensor x1 = ops::linear(a, *l.out, Activation::None, &x);  // x + attn
  const Tensor h2 = ops::layer_norm(x1, l.ln2_gamma, l.ln2_beta, kLayerNormEps);
  const Tensor f = ops::linear(h2, *l.fc1, config.activation);  // [B, N, 4C]
  return ops::linear(f, *l.fc2, Activation::None, &x1);         // x1 + mlp
}

Tensor ClipTextEncoder::encode(const std::vector<std::vector<std::int32_t>>& ids) const {
  Tensor x = impl_->embed(ids);
  for (int i = 0; i < impl_->run_layers; ++i) x = impl_->run_layer(impl_->layers[i], x);
  return impl_->options.final_layer_norm ? final_norm(x) : x;
}

std::vector<Tensor> ClipTextEncoder::hidden_states(
    const std::vector<std::vector<std::int32_t>>& ids, int layers) const {
  if (layers < 0 || layers > impl_->run_layers) {
    throw std::invalid_argument("hidden_states: " + std::to_string(layers) + " layers requested, " +
                                std::to_string(impl_->run_layers) + " prepared");
  }
  std::vector<Tensor> states{impl_->embed(ids)};
  for (int i = 0; i < layers; ++i)
    states.push_back(impl_->run_layer(impl_->layers[i], states.back()));
  return states;
}

Tensor ClipTextEncoder::final_norm(const Tensor& hidden) const {
  return ops::layer_norm(hidden, impl_->final_gamma, impl_->final_beta, kLayerNormEps);
}

}  // namespace pixforge::text
