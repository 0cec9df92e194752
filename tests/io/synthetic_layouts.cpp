#include "synthetic_layouts.h"

namespace pixforge::testing {

namespace {

using Dims = std::initializer_list<std::int64_t>;

struct Builder {
  std::vector<TensorInfo> out;
  void add(const std::string& name, Dims dims, DType dtype = DType::F16) {
    TensorInfo t;
    t.name = name;
    t.dtype = dtype;
    t.shape = Shape(dims);
    t.nbytes = static_cast<std::size_t>(t.shape.numel()) * dtype_size(dtype);
    out.push_back(std::move(t));
  }
  void norm(const std::string& p, std::int64_t c) {
    add(p + "weight", {c});
    add(p + "bias", {c});
  }
  void conv(const std::string& p, std::int64_t o, std::int64_t i, std::int64_t k) {
    add(p + "weight", {o, i, k, k});
    add(p + "bias", {o});
  }
  void linear(const std::string& p, std::int64_t o, std::int64_t i, bool bias = true) {
    add(p + "weight", {o, i});
    if (bias) add(p + "bias", {o});
  }
  void resnet(const std::string& p, std::int64_t in, std::int64_t out_c, std::int64_t emb) {
    norm(p + "in_layers.0.", in);
    conv(p + "in_layers.2.", out_c, in, 3);
    linear(p + "emb_layers.1.", out_c, emb);
    norm(p + "out_layers.0.", out_c);
    conv(p + "out_layers.3.", out_c, out_c, 3);
    if (in != out_c) conv(p + "skip_connection.", out_c, in, 1);
  }
  void transformer(const std::string& p, std::int64_t c, int depth, const UnetSpec& s) {
    norm(p + "norm.", c);
    if (s.linear_proj)
      linear(p + "proj_in.", c, c);
    else
      conv(p + "proj_in.", c, c, 1);
    for (int d = 0; d < depth; ++d) {
      const std::string b = p + "transformer_blocks." + std::to_string(d) + ".";
      for (const char* a : {"attn1.", "attn2."}) {
        const std::int64_t kv = std::string(a) == "attn2." ? s.context_dim : c;
        linear(b + a + "to_q.", c, c, false);
        linear(b + a + "to_k.", c, kv, false);
        linear(b + a + "to_v.", c, kv, false);
        linear(b + a + "to_out.0.", c, c);
      }
      linear(b + "ff.net.0.proj.", 8 * c, c);
      linear(b + "ff.net.2.", c, 4 * c);
      for (const char* n : {"norm1.", "norm2.", "norm3."}) norm(b + n, c);
    }
    if (s.linear_proj)
      linear(p + "proj_out.", c, c);
    else
      conv(p + "proj_out.", c, c, 1);
  }
};

}  // namespace

UnetSpec sd15_unet() { return UnetSpec{}; }

UnetSpec sd21_unet() {
  UnetSpec s;
  s.context_dim = 1024;
  s.linear_proj = true;
  return s;
}

UnetSpec sdxl_unet() {
  UnetSpec s;
  s.channel_mult = {1, 2, 4};
  s.depth = {0, 2, 10};
  s.context_dim = 2048;
  s.linear_proj = true;
  s.adm_in_channels = 2816;
  return s;
}

std::vector<TensorInfo> ldm_unet(const UnetSpec& s) {
  Builder b;
  const std::int64_t mc = s.model_channels, emb = 4 * mc;
  const int levels = static_cast<int>(s.channel_mult.size()), r1 = s.num_res_blocks + 1;
  b.linear("time_embed.0.", emb, mc);
  b.linear("time_embed.2.", emb, emb);
  if (s.adm_in_channels) {
    b.linear("label_emb.0.0.", emb, s.adm_in_channels);
    b.linear("label_emb.0.2.", emb, emb);
  }
  b.conv("input_blocks.0.0.", mc, s.in_channels, 3);
  std::vector<std::int64_t> skips = {mc};
  std::int64_t ch = mc;
  for (int i = 0; i < levels; ++i) {
    const std::int64_t out = mc * s.channel_mult[static_cast<std::size_t>(i)];
    for (int j = 0; j < s.num_res_blocks; ++j) {
      const std::string p = "input_blocks." + std::to_string(1 + i * r1 + j) + ".";
      b.resnet(p + "0.", ch, out, emb);
      ch = out;
      if (s.depth[static_cast<std::size_t>(i)])
        b.transformer(p + "1.", ch, s.depth[static_cast<std::size_t>(i)], s);
      skips.push_back(ch);
    }
    if (i + 1 < levels) {
      b.conv("input_blocks." + std::to_string((i + 1) * r1) + ".0.op.", ch, ch, 3);
      skips.push_back(ch);
    }
  }
  b.resnet("middle_block.0.", ch, ch, emb);
  b.transformer("middle_block.1.", ch,
                s.depth[static_cast<std::size_t>(levels - 1)]
                    ? s.depth[static_cast<std::size_t>(levels - 1)]
                    : 1,
                s);
  b.resnet("middle_block.2.", ch, ch, emb);
  for (int i = 0; i < levels; ++i) {
    const int level = levels - 1 - i;
    const std::int64_t out = mc * s.channel_mult[static_cast<std::size_t>(level)];
    for (int j = 0; j <= s.num_res_blocks; ++j) {
      const std::string p = "output_blocks." + std::to_string(i * r1 + j) + ".";
      const std::int64_t skip = skips.back();
      skips.pop_back();
      b.resnet(p + "0.", ch + skip, out, emb);
      ch = out;
      const int depth = s.depth[static_cast<std::size_t>(level)];
      if (depth) b.transformer(p + "1.", ch, depth, s);
      if (j == s.num_res_blocks && level > 0) b.conv(p + (depth ? "2" : "1") + ".conv.", ch, ch, 3);
    }
  }
  b.norm("out.0.", ch);
  b.conv("out.2.", 4, mc, 3);
  return b.out;
}

std::vector<TensorInfo> ldm_vae() {
  Builder b;
  const std::int64_t chs[] = {128, 256, 512, 512};
  auto res = [&](const std::string& p, std::int64_t in, std::int64_t out) {
    b.norm(p + "norm1.", in);
    b.conv(p + "conv1.", out, in, 3);
    b.norm(p + "norm2.", out);
    b.conv(p + "conv2.", out, out, 3);
    if (in != out) b.conv(p + "nin_shortcut.", out, in, 1);
  };
  auto mid = [&](const std::string& p) {
    res(p + "mid.block_1.", 512, 512);
    b.norm(p + "mid.attn_1.norm.", 512);
    for (const char* n : {"q.", "k.", "v.", "proj_out."})
      b.conv(p + "mid.attn_1." + n, 512, 512, 1);
    res(p + "mid.block_2.", 512, 512);
  };
  b.conv("encoder.conv_in.", 128, 3, 3);
  std::int64_t ch = 128;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 2; ++j) {
      res("encoder.down." + std::to_string(i) + ".block." + std::to_string(j) + ".", ch, chs[i]);
      ch = chs[i];
    }
    if (i < 3) b.conv("encoder.down." + std::to_string(i) + ".downsample.conv.", ch, ch, 3);
  }
  mid("encoder.");
  b.norm("encoder.norm_out.", 512);
  b.conv("encoder.conv_out.", 8, 512, 3);
  b.conv("decoder.conv_in.", 512, 4, 3);
  mid("decoder.");
  ch = 512;
  for (int i = 3; i >= 0; --i) {
    for (int j = 0; j < 3; ++j) {
      res("decoder.up." + std::to_string(i) + ".block." + std::to_string(j) + ".", ch, chs[i]);
      ch = chs[i];
    }
    if (i > 0) b.conv("decoder.up." + std::to_string(i) + ".upsample.conv.", ch, ch, 3);
  }
  b.norm("decoder.norm_out.", 128);
  b.conv("decoder.conv_out.", 3, 128, 3);
  b.conv("quant_conv.", 8, 8, 1);
  b.conv("post_quant_conv.", 4, 4, 1);
  return b.out;
}

std::vector<TensorInfo> hf_clip(int layers, int width) {
  Builder b;
  b.add("text_model.embeddings.token_embedding.weight", {49408, width});
  b.add("text_model.embeddings.position_embedding.weight", {77, width});
  for (int i = 0; i < layers; ++i) {
    const std::string p = "text_model.encoder.layers." + std::to_string(i) + ".";
    for (const char* n : {"q_proj.", "k_proj.", "v_proj.", "out_proj."})
      b.linear(p + "self_attn." + n, width, width);
    b.norm(p + "layer_norm1.", width);
    b.norm(p + "layer_norm2.", width);
    b.linear(p + "mlp.fc1.", 4 * width, width);
    b.linear(p + "mlp.fc2.", width, 4 * width);
  }
  b.norm("text_model.final_layer_norm.", width);
  return b.out;
}

std::vector<TensorInfo> openclip_text(int layers, int width) {
  Builder b;
  b.add("token_embedding.weight", {49408, width});
  b.add("positional_embedding", {77, width});
  for (int i = 0; i < layers; ++i) {
    const std::string p = "transformer.resblocks." + std::to_string(i) + ".";
    b.add(p + "attn.in_proj_weight", {3 * width, width});
    b.add(p + "attn.in_proj_bias", {3 * width});
    b.linear(p + "attn.out_proj.", width, width);
    b.norm(p + "ln_1.", width);
    b.norm(p + "ln_2.", width);
    b.linear(p + "mlp.c_fc.", 4 * width, width);
    b.linear(p + "mlp.c_proj.", width, 4 * width);
  }
  b.norm("ln_final.", width);
  b.add("text_projection", {width, width});
  b.add("logit_scale", {});
  return b.out;
}

std::vector<TensorInfo> prefixed(const std::string& prefix, std::vector<TensorInfo> tensors) {
  for (TensorInfo& t : tensors) t.name = prefix + t.name;
  return tensors;
}

std::vector<std::string> names_of(const std::vector<TensorInfo>& tensors) {
  std::vector<std::string> n;
  for (const TensorInfo& t : tensors) n.push_back(t.name);
  return n;
}

}  // namespace pixforge::testing
