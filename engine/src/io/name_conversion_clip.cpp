// OpenCLIP text tower -> Hugging Face CLIPTextModel names (SD2.x single files).
#include <cstring>
#include <optional>

#include "pixforge/io/name_conversion.h"

namespace pixforge {

namespace {

bool starts(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

const std::pair<const char*, const char*> kLayer[] = {
    {"ln_1.", "layer_norm1."},
    {"ln_2.", "layer_norm2."},
    {"mlp.c_fc.", "mlp.fc1."},
    {"mlp.c_proj.", "mlp.fc2."},
    {"attn.out_proj.", "self_attn.out_proj."},
};

const std::pair<const char*, const char*> kTop[] = {
    {"token_embedding.weight", "text_model.embeddings.token_embedding.weight"},
    {"positional_embedding", "text_model.embeddings.position_embedding.weight"},
    {"ln_final.weight", "text_model.final_layer_norm.weight"},
    {"ln_final.bias", "text_model.final_layer_norm.bias"},
};

// Splits the fused [3C, C] weight or [3C] bias into q, k, v row slices (no copy).
void split_in_proj(const TensorInfo& t, const std::string& layer, const std::string& origin,
                   std::vector<TensorInfo>* out) {
  const bool weight = t.name.size() >= 6 && t.name.compare(t.name.size() - 6, 6, "weight") == 0;
  if (t.shape.rank() < 1 || t.shape[0] % 3 != 0 || t.shape.rank() != (weight ? 2 : 1)) {
    throw ModelFormatError(origin + ": tensor '" + t.name + "' of shape " + t.shape.str() +
                           " is not a fused q/k/v projection");
  }
  const std::size_t third = t.nbytes / 3;
  static const char* kParts[] = {"q_proj.", "k_proj.", "v_proj."};
  for (int p = 0; p < 3; ++p) {
    TensorInfo v = t;
    v.name = layer + "self_attn." + kParts[p] + (weight ? "weight" : "bias");
    v.shape[0] = t.shape[0] / 3;
    v.nbytes = third;
    v.data = t.data ? static_cast<const std::uint8_t*>(t.data) + third * static_cast<std::size_t>(p)
                    : nullptr;
    out->push_back(std::move(v));
  }
}

// text_projection is used as x @ P ([C, P]); a HF Linear stores [P, C]: one small copy.
void transpose_projection(const TensorInfo& t, std::vector<std::vector<std::uint8_t>>* owned,
                          std::vector<TensorInfo>* out) {
  TensorInfo v = t;
  v.name = "text_projection.weight";
  if (t.shape.rank() != 2) {
    out->push_back(std::move(v));
    return;
  }
  const auto rows = static_cast<std::size_t>(t.shape[0]),
             cols = static_cast<std::size_t>(t.shape[1]);
  const std::size_t elem = dtype_size(t.dtype);
  v.shape = Shape{t.shape[1], t.shape[0]};
  if (t.data) {
    auto& buf = owned->emplace_back(t.nbytes);
    const auto* src = static_cast<const std::uint8_t*>(t.data);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < cols; ++c)
        std::memcpy(&buf[(c * rows + r) * elem], &src[(r * cols + c) * elem], elem);
    }
    v.data = buf.data();
  }
  out->push_back(std::move(v));
}

void convert_one(const TensorInfo& t, const std::string& origin,
                 std::vector<std::vector<std::uint8_t>>* owned, std::vector<TensorInfo>* out) {
  for (const auto& [from, to] : kTop) {
    if (t.name == from) {
      TensorInfo v = t;
      v.name = to;
      out->push_back(std::move(v));
      return;
    }
  }
  if (t.name == "text_projection") return transpose_projection(t, owned, out);
  const std::string blocks = "transformer.resblocks.";
  if (starts(t.name, blocks)) {
    const std::size_t dot = t.name.find('.', blocks.size());
    if (dot != std::string::npos) {
      const std::string index = t.name.substr(blocks.size(), dot - blocks.size());
      const std::string rest = t.name.substr(dot + 1);
      const std::string layer = "text_model.encoder.layers." + index + ".";
      if (rest == "attn.in_proj_weight" || rest == "attn.in_proj_bias") {
        return split_in_proj(t, layer, origin, out);
      }
      for (const auto& [from, to] : kLayer) {
        if (starts(rest, from)) {
          TensorInfo v = t;
          v.name = layer + to + rest.substr(std::strlen(from));
          out->push_back(std::move(v));
          return;
        }
      }
    }
  }
  out->push_back(t);  // unknown (logit_scale, ...): kept under its own name
}

}  // namespace

std::unique_ptr<TensorTable> openclip_to_hf_clip(std::shared_ptr<const TensorSource> clip) {
  auto owned = std::make_shared<std::vector<std::vector<std::uint8_t>>>();
  std::vector<TensorInfo> infos;
  for (const TensorInfo& t : clip->tensors()) convert_one(t, clip->origin(), owned.get(), &infos);
  const std::string origin = clip->origin();
  return std::make_unique<TensorTable>(origin, std::move(infos),
                                       keep_together({std::move(clip), std::move(owned)}));
}

}  // namespace pixforge
