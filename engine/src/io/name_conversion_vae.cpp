// diffusers AutoencoderKL -> LDM names. The decoder's up blocks are numbered in opposite
// directions (diffusers up_blocks.0 is the lowest resolution = LDM up.{L-1}); the mid-block
// attention is a Linear in diffusers and a 1x1 conv in LDM (same bytes, one more 1x1 shape).
#include <optional>

#include "pixforge/io/name_conversion.h"

namespace pixforge {

namespace {

bool starts(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

std::optional<int> take_index(const std::string& s, const std::string& prefix, std::string* rest) {
  if (!starts(s, prefix)) return std::nullopt;
  std::size_t i = prefix.size(), j = i;
  while (j < s.size() && j - i < 4 && s[j] >= '0' && s[j] <= '9') ++j;
  if (j == i || j >= s.size() || s[j] != '.') return std::nullopt;
  *rest = s.substr(j + 1);
  return std::stoi(s.substr(i, j - i));
}

std::string resnet(const std::string& rest) {
  return starts(rest, "conv_shortcut.") ? "nin_shortcut." + rest.substr(14) : rest;
}

// Both the current (to_q, to_out.0) and the older (query, proj_attn) diffusers names.
std::optional<std::string> attention(const std::string& rest) {
  static const std::pair<const char*, const char*> kAttn[] = {
      {"group_norm.", "norm."},    {"to_q.", "q."},  {"to_k.", "k."}, {"to_v.", "v."},
      {"to_out.0.", "proj_out."},  {"query.", "q."}, {"key.", "k."},  {"value.", "v."},
      {"proj_attn.", "proj_out."},
  };
  for (const auto& [from, to] : kAttn) {
    if (starts(rest, from)) return std::string(to) + rest.substr(std::string(from).size());
  }
  return std::nullopt;
}

// Returns the LDM name and whether it is a mid-block attention projection weight.
std::string to_ldm(const std::string& n, int levels, bool* attention_weight) {
  *attention_weight = false;
  std::string rest, tail;
  for (const char* part : {"encoder.", "decoder."}) {
    const std::string p = part;
    if (!starts(n, p)) continue;
    const std::string r = n.substr(p.size());
    if (starts(r, "conv_norm_out.")) return p + "norm_out." + r.substr(14);
    if (auto i = take_index(r, "down_blocks.", &rest)) {
      if (auto j = take_index(rest, "resnets.", &tail)) {
        return p + "down." + std::to_string(*i) + ".block." + std::to_string(*j) + "." +
               resnet(tail);
      }
      if (starts(rest, "downsamplers.0.conv.")) {
        return p + "down." + std::to_string(*i) + ".downsample.conv." + rest.substr(20);
      }
    }
    if (auto i = take_index(r, "up_blocks.", &rest); i && *i < levels) {
      const std::string up = p + "up." + std::to_string(levels - 1 - *i) + ".";
      if (auto j = take_index(rest, "resnets.", &tail)) {
        return up + "block." + std::to_string(*j) + "." + resnet(tail);
      }
      if (starts(rest, "upsamplers.0.conv.")) return up + "upsample.conv." + rest.substr(18);
    }
    if (auto k = take_index(r, "mid_block.resnets.", &rest)) {
      return p + "mid.block_" + std::to_string(*k + 1) + "." + resnet(rest);
    }
    if (starts(r, "mid_block.attentions.0.")) {
      if (auto a = attention(r.substr(23))) {
        *attention_weight =
            !starts(*a, "norm.") && a->size() >= 7 && a->compare(a->size() - 7, 7, ".weight") == 0;
        return p + "mid.attn_1." + *a;
      }
    }
  }
  return n;
}

}  // namespace

std::unique_ptr<TensorTable> diffusers_vae_to_ldm(std::shared_ptr<const TensorSource> vae) {
  int levels = 0;
  std::string rest;
  for (const TensorInfo& t : vae->tensors()) {
    if (auto i = take_index(t.name, "decoder.up_blocks.", &rest)) levels = std::max(levels, *i + 1);
  }
  std::vector<TensorInfo> infos = vae->tensors();
  for (TensorInfo& t : infos) {
    bool attention_weight = false;
    t.name = to_ldm(t.name, levels, &attention_weight);
    if (attention_weight && t.shape.rank() == 2) t.shape.push_back(1), t.shape.push_back(1);
  }
  const std::string origin = vae->origin();
  return std::make_unique<TensorTable>(origin, std::move(infos), std::move(vae));
}

}  // namespace pixforge
