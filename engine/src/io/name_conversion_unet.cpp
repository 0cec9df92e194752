// diffusers <-> LDM UNet names. LDM numbers blocks flatly (input_blocks.N, output_blocks.N);
// diffusers nests them (down_blocks.I.resnets.J). With R resnets per down level:
//   input_blocks.{1 + I*(R+1) + J}.0 = down_blocks.I.resnets.J     (.1 = attentions.J)
//   input_blocks.{(I+1)*(R+1)}.0.op  = down_blocks.I.downsamplers.0.conv
//   output_blocks.{I*(R+1) + J}.0    = up_blocks.I.resnets.J       (.1 = attentions.J)
//   output_blocks.{I*(R+1) + R}.{1|2}.conv = up_blocks.I.upsamplers.0.conv (2 when attention)
#include <map>
#include <optional>
#include <set>

#include "pixforge/io/name_conversion.h"

namespace pixforge {

namespace {

struct Pair {
  const char* ldm;
  const char* diffusers;
};

constexpr Pair kTopLevel[] = {
    {"input_blocks.0.0.", "conv_in."},
    {"time_embed.0.", "time_embedding.linear_1."},
    {"time_embed.2.", "time_embedding.linear_2."},
    {"label_emb.0.0.", "add_embedding.linear_1."},
    {"label_emb.0.2.", "add_embedding.linear_2."},
    {"out.0.", "conv_norm_out."},
    {"out.2.", "conv_out."},
};

constexpr Pair kResnet[] = {
    {"in_layers.0.", "norm1."},          {"in_layers.2.", "conv1."},
    {"emb_layers.1.", "time_emb_proj."}, {"out_layers.0.", "norm2."},
    {"out_layers.3.", "conv2."},         {"skip_connection.", "conv_shortcut."},
};

bool starts(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// Parses "<prefix><int>." at the start of `s`; returns the int and advances `rest`.
std::optional<int> take_index(const std::string& s, const std::string& prefix, std::string* rest) {
  if (!starts(s, prefix)) return std::nullopt;
  std::size_t i = prefix.size(), j = i;
  while (j < s.size() && j - i < 4 && s[j] >= '0' && s[j] <= '9') ++j;
  if (j == i || j >= s.size() || s[j] != '.') return std::nullopt;
  *rest = s.substr(j + 1);
  return std::stoi(s.substr(i, j - i));
}

std::string resnet_name(const std::string& rest, bool to_ldm) {
  for (const Pair& p : kResnet) {
    const std::string from = to_ldm ? p.diffusers : p.ldm, to = to_ldm ? p.ldm : p.diffusers;
    if (starts(rest, from)) return to + rest.substr(from.size());
  }
  return rest;
}

std::optional<std::string> top_level(const std::string& name, bool to_ldm) {
  for (const Pair& p : kTopLevel) {
    const std::string from = to_ldm ? p.diffusers : p.ldm, to = to_ldm ? p.ldm : p.diffusers;
    if (starts(name, from)) return to + name.substr(from.size());
  }
  return std::nullopt;
}

struct DiffusersLayout {
  int per_level = 2;           // R: resnets per down level
  std::set<int> up_attention;  // up block indices with attention
};

DiffusersLayout diffusers_layout(const std::vector<std::string>& names) {
  DiffusersLayout l;
  int max_j = -1;
  std::string rest;
  for (const std::string& n : names) {
    if (auto j = take_index(n, "down_blocks.0.resnets.", &rest)) max_j = std::max(max_j, *j);
    if (auto i = take_index(n, "up_blocks.", &rest); i && starts(rest, "attentions.")) {
      l.up_attention.insert(*i);
    }
  }
  if (max_j >= 0) l.per_level = max_j + 1;
  return l;
}

std::string to_ldm(const std::string& n, const DiffusersLayout& l) {
  const int r1 = l.per_level + 1;
  std::string rest, tail;
  if (auto t = top_level(n, true)) return *t;
  if (auto i = take_index(n, "down_blocks.", &rest)) {
    if (auto j = take_index(rest, "resnets.", &tail)) {
      return "input_blocks." + std::to_string(1 + *i * r1 + *j) + ".0." + resnet_name(tail, true);
    }
    if (auto j = take_index(rest, "attentions.", &tail)) {
      return "input_blocks." + std::to_string(1 + *i * r1 + *j) + ".1." + tail;
    }
    if (starts(rest, "downsamplers.0.conv.")) {
      return "input_blocks." + std::to_string((*i + 1) * r1) + ".0.op." + rest.substr(20);
    }
  }
  if (auto j = take_index(n, "mid_block.resnets.", &rest); j && *j <= 1) {
    return "middle_block." + std::to_string(*j * 2) + "." + resnet_name(rest, true);
  }
  if (starts(n, "mid_block.attentions.0.")) return "middle_block.1." + n.substr(23);
  if (auto i = take_index(n, "up_blocks.", &rest)) {
    if (auto j = take_index(rest, "resnets.", &tail)) {
      return "output_blocks." + std::to_string(*i * r1 + *j) + ".0." + resnet_name(tail, true);
    }
    if (auto j = take_index(rest, "attentions.", &tail)) {
      return "output_blocks." + std::to_string(*i * r1 + *j) + ".1." + tail;
    }
    if (starts(rest, "upsamplers.0.conv.")) {
      const int slot = l.up_attention.count(*i) ? 2 : 1;
      return "output_blocks." + std::to_string(*i * r1 + l.per_level) + "." + std::to_string(slot) +
             ".conv." + rest.substr(18);
    }
  }
  return n;
}

// R for LDM names: the first downsampler sits at input_blocks.{R+1}.
int ldm_per_level(const std::vector<std::string>& names) {
  int first_op = -1, max_block = 0;
  std::string rest;
  for (const std::string& n : names) {
    if (auto b = take_index(n, "input_blocks.", &rest)) {
      max_block = std::max(max_block, *b);
      if (starts(rest, "0.op.") && (first_op < 0 || *b < first_op)) first_op = *b;
    }
  }
  return first_op > 0 ? first_op - 1 : std::max(max_block, 1);
}

std::string to_diffusers(const std::string& n, int per_level, const std::set<int>& out_attention) {
  const int r1 = per_level + 1;
  std::string rest, tail;
  if (auto t = top_level(n, false)) return *t;
  if (auto b = take_index(n, "input_blocks.", &rest); b && *b > 0) {
    const int i = (*b - 1) / r1, j = (*b - 1) % r1;
    if (j == per_level && starts(rest, "0.op.")) {
      return "down_blocks." + std::to_string(i) + ".downsamplers.0.conv." + rest.substr(5);
    }
    if (starts(rest, "0.")) {
      return "down_blocks." + std::to_string(i) + ".resnets." + std::to_string(j) + "." +
             resnet_name(rest.substr(2), false);
    }
    if (starts(rest, "1.")) {
      return "down_blocks." + std::to_string(i) + ".attentions." + std::to_string(j) + "." +
             rest.substr(2);
    }
  }
  if (auto b = take_index(n, "middle_block.", &rest)) {
    if (*b == 0 || *b == 2)
      return "mid_block.resnets." + std::to_string(*b / 2) + "." + resnet_name(rest, false);
    if (*b == 1) return "mid_block.attentions.0." + rest;
  }
  if (auto b = take_index(n, "output_blocks.", &rest)) {
    const int i = *b / r1, j = *b % r1;
    const std::string up = "up_blocks." + std::to_string(i) + ".";
    if (starts(rest, "0."))
      return up + "resnets." + std::to_string(j) + "." + resnet_name(rest.substr(2), false);
    const bool attn = out_attention.count(*b) > 0;
    if (starts(rest, "1.") && attn)
      return up + "attentions." + std::to_string(j) + "." + rest.substr(2);
    if ((starts(rest, "1.conv.") && !attn) || starts(rest, "2.conv.")) {
      return up + "upsamplers.0.conv." + rest.substr(7);
    }
  }
  return n;
}

}  // namespace

std::vector<std::string> diffusers_unet_names_to_ldm(const std::vector<std::string>& names) {
  const DiffusersLayout layout = diffusers_layout(names);
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const std::string& n : names) out.push_back(to_ldm(n, layout));
  return out;
}

std::vector<std::string> ldm_unet_names_to_diffusers(const std::vector<std::string>& names) {
  const int per_level = ldm_per_level(names);
  std::set<int> out_attention;  // output blocks whose slot 1 is a transformer, not an upsampler
  std::string rest;
  for (const std::string& n : names) {
    if (auto b = take_index(n, "output_blocks.", &rest);
        b && starts(rest, "1.") && !starts(rest, "1.conv.")) {
      out_attention.insert(*b);
    }
  }
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const std::string& n : names) out.push_back(to_diffusers(n, per_level, out_attention));
  return out;
}

std::unique_ptr<TensorTable> diffusers_unet_to_ldm(std::shared_ptr<const TensorSource> unet) {
  std::vector<std::string> names;
  for (const TensorInfo& t : unet->tensors()) names.push_back(t.name);
  const std::vector<std::string> ldm = diffusers_unet_names_to_ldm(names);
  std::vector<TensorInfo> infos = unet->tensors();
  for (std::size_t i = 0; i < infos.size(); ++i) infos[i].name = ldm[i];
  const std::string origin = unet->origin();
  return std::make_unique<TensorTable>(origin, std::move(infos), std::move(unet));
}

std::unique_ptr<TensorTable> strip_prefix(std::shared_ptr<const TensorSource> src,
                                          const std::string& prefix, const std::string& insert) {
  std::vector<TensorInfo> infos;
  for (const TensorInfo& t : src->tensors()) {
    if (!starts(t.name, prefix)) continue;
    TensorInfo v = t;
    v.name = t.name.substr(prefix.size());
    if (!insert.empty() && !starts(v.name, insert)) v.name = insert + v.name;
    infos.push_back(std::move(v));
  }
  const std::string origin = src->origin();
  return std::make_unique<TensorTable>(origin, std::move(infos), std::move(src));
}

}  // namespace pixforge
