// diffusers <-> LDM UNet names, diffusers -> LDM VAE names, OpenCLIP -> HF CLIP names, on
// synthetic key sets of the real layouts.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "pixforge/io/name_conversion.h"
#include "synthetic_layouts.h"

namespace pixforge {
namespace {

using testing::names_of;

std::shared_ptr<const TensorSource> table(std::vector<TensorInfo> t,
                                          std::shared_ptr<const void> keep = nullptr) {
  return std::make_shared<TensorTable>("synthetic", std::move(t), std::move(keep));
}

// Pairs known from the diffusers conversion of SD1.5 (checked by hand against the block
// arithmetic: 2 resnets per level, attention on levels 0-2 only).
const std::pair<const char*, const char*> kSd15Pairs[] = {
    {"input_blocks.0.0.weight", "conv_in.weight"},
    {"time_embed.2.bias", "time_embedding.linear_2.bias"},
    {"input_blocks.1.0.emb_layers.1.weight", "down_blocks.0.resnets.0.time_emb_proj.weight"},
    {"input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight",
     "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight"},
    {"input_blocks.3.0.op.weight", "down_blocks.0.downsamplers.0.conv.weight"},
    {"input_blocks.4.0.skip_connection.weight", "down_blocks.1.resnets.0.conv_shortcut.weight"},
    {"input_blocks.11.0.out_layers.3.weight", "down_blocks.3.resnets.1.conv2.weight"},
    {"middle_block.1.proj_in.weight", "mid_block.attentions.0.proj_in.weight"},
    {"middle_block.2.out_layers.3.weight", "mid_block.resnets.1.conv2.weight"},
    {"output_blocks.2.1.conv.weight", "up_blocks.0.upsamplers.0.conv.weight"},
    {"output_blocks.5.2.conv.weight", "up_blocks.1.upsamplers.0.conv.weight"},
    {"output_blocks.3.0.in_layers.0.weight", "up_blocks.1.resnets.0.norm1.weight"},
    {"output_blocks.11.1.proj_out.weight", "up_blocks.3.attentions.2.proj_out.weight"},
    {"out.0.bias", "conv_norm_out.bias"},
    {"out.2.weight", "conv_out.weight"},
};

TEST(NameConversion, Sd15UnetKnownPairs) {
  const auto ldm = names_of(testing::ldm_unet(testing::sd15_unet()));
  const auto diffusers = ldm_unet_names_to_diffusers(ldm);
  std::map<std::string, std::string> to_diffusers;
  for (std::size_t i = 0; i < ldm.size(); ++i) to_diffusers[ldm[i]] = diffusers[i];
  for (const auto& [l, d] : kSd15Pairs) {
    ASSERT_TRUE(to_diffusers.count(l)) << l << " missing from the synthetic layout";
    EXPECT_EQ(to_diffusers[l], d) << l;
  }
  const auto back = diffusers_unet_names_to_ldm(std::vector<std::string>(diffusers));
  for (const auto& [l, d] : kSd15Pairs) {
    const auto it = std::find(diffusers.begin(), diffusers.end(), std::string(d));
    EXPECT_EQ(back[static_cast<std::size_t>(it - diffusers.begin())], l) << d;
  }
}

void expect_round_trip(const testing::UnetSpec& spec) {
  const auto ldm = names_of(testing::ldm_unet(spec));
  const auto diffusers = ldm_unet_names_to_diffusers(ldm);
  // Every LDM name is converted (no name left behind) and the mapping is one-to-one.
  const std::set<std::string> ldm_set(ldm.begin(), ldm.end());
  std::set<std::string> seen;
  for (const std::string& d : diffusers) {
    EXPECT_EQ(ldm_set.count(d), 0u) << "not converted: " << d;
    EXPECT_TRUE(seen.insert(d).second) << "collision: " << d;
  }
  EXPECT_EQ(diffusers_unet_names_to_ldm(diffusers), ldm);
}

TEST(NameConversion, UnetRoundTripSd15) { expect_round_trip(testing::sd15_unet()); }
TEST(NameConversion, UnetRoundTripSd21) { expect_round_trip(testing::sd21_unet()); }
TEST(NameConversion, UnetRoundTripSdxl) { expect_round_trip(testing::sdxl_unet()); }

TEST(NameConversion, DiffusersUnetViewKeepsShapesAndBytes) {
  auto ldm = testing::ldm_unet(testing::sd15_unet());
  const auto diffusers = ldm_unet_names_to_diffusers(names_of(ldm));
  std::vector<TensorInfo> d = ldm;
  static const std::uint8_t marker[4] = {};
  for (std::size_t i = 0; i < d.size(); ++i) {
    d[i].name = diffusers[i];
    d[i].data = marker;
  }
  auto view = diffusers_unet_to_ldm(table(d));
  ASSERT_EQ(view->tensors().size(), ldm.size());
  for (const TensorInfo& want : ldm) {
    const TensorInfo* got = view->find(want.name);
    ASSERT_NE(got, nullptr) << want.name;
    EXPECT_EQ(got->shape, want.shape);
    EXPECT_EQ(got->data, marker);  // a view: same bytes, no copy
  }
}

TEST(NameConversion, DiffusersVaeNamesAndAttentionShapes) {
  std::vector<TensorInfo> d;
  auto add = [&](const std::string& n, Shape s) { d.push_back({n, DType::F32, s, nullptr, 0}); };
  for (int i = 0; i < 4; ++i)
    add("decoder.up_blocks." + std::to_string(i) + ".resnets.0.conv1.weight", Shape{8, 8, 3, 3});
  add("decoder.up_blocks.0.upsamplers.0.conv.weight", Shape{8, 8, 3, 3});
  add("encoder.down_blocks.1.resnets.0.conv_shortcut.weight", Shape{8, 4, 1, 1});
  add("encoder.down_blocks.2.downsamplers.0.conv.bias", Shape{8});
  add("encoder.mid_block.attentions.0.to_q.weight", Shape{512, 512});
  add("encoder.mid_block.attentions.0.to_q.bias", Shape{512});
  add("decoder.mid_block.attentions.0.group_norm.weight", Shape{512});
  add("decoder.mid_block.attentions.0.to_out.0.weight", Shape{512, 512});
  add("decoder.mid_block.attentions.0.key.weight", Shape{512, 512});  // pre-0.14 diffusers name
  add("decoder.mid_block.resnets.1.norm2.bias", Shape{512});
  add("encoder.conv_norm_out.weight", Shape{512});
  add("quant_conv.weight", Shape{8, 8, 1, 1});
  auto view = diffusers_vae_to_ldm(table(d));
  const std::pair<const char*, Shape> expected[] = {
      {"decoder.up.3.block.0.conv1.weight", Shape{8, 8, 3, 3}},
      {"decoder.up.0.block.0.conv1.weight", Shape{8, 8, 3, 3}},
      {"decoder.up.3.upsample.conv.weight", Shape{8, 8, 3, 3}},
      {"encoder.down.1.block.0.nin_shortcut.weight", Shape{8, 4, 1, 1}},
      {"encoder.down.2.downsample.conv.bias", Shape{8}},
      {"encoder.mid.attn_1.q.weight", Shape{512, 512, 1, 1}},
      {"encoder.mid.attn_1.q.bias", Shape{512}},
      {"decoder.mid.attn_1.norm.weight", Shape{512}},
      {"decoder.mid.attn_1.proj_out.weight", Shape{512, 512, 1, 1}},
      {"decoder.mid.attn_1.k.weight", Shape{512, 512, 1, 1}},
      {"decoder.mid.block_2.norm2.bias", Shape{512}},
      {"encoder.norm_out.weight", Shape{512}},
      {"quant_conv.weight", Shape{8, 8, 1, 1}},
  };
  for (const auto& [name, shape] : expected) {
    const TensorInfo* t = view->find(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_EQ(t->shape, shape) << name;
  }
}

TEST(NameConversion, OpenClipSplitsQkvAsRowSlicesAndTransposesProjection) {
  const int c = 4;
  std::vector<float> in_proj(3 * c * c), bias(3 * c), proj(c * 2);
  for (std::size_t i = 0; i < in_proj.size(); ++i) in_proj[i] = static_cast<float>(i);
  for (std::size_t i = 0; i < bias.size(); ++i) bias[i] = 100.0f + static_cast<float>(i);
  for (std::size_t i = 0; i < proj.size(); ++i) proj[i] = static_cast<float>(i);  // [C=4, P=2]
  std::vector<TensorInfo> oc = {
      {"transformer.resblocks.0.attn.in_proj_weight", DType::F32, Shape{3 * c, c}, in_proj.data(),
       in_proj.size() * 4},
      {"transformer.resblocks.0.attn.in_proj_bias", DType::F32, Shape{3 * c}, bias.data(),
       bias.size() * 4},
      {"text_projection", DType::F32, Shape{c, 2}, proj.data(), proj.size() * 4},
      {"logit_scale", DType::F32, Shape{}, bias.data(), 4},
  };
  auto hf = openclip_to_hf_clip(table(oc));
  const char* parts[] = {"q", "k", "v"};
  for (int p = 0; p < 3; ++p) {
    const std::string layer =
        std::string("text_model.encoder.layers.0.self_attn.") + parts[p] + "_proj.";
    const TensorInfo& w = hf->require(layer + "weight");
    EXPECT_EQ(w.shape, (Shape{c, c}));
    EXPECT_EQ(static_cast<const float*>(w.data), in_proj.data() + p * c * c);  // zero-copy slice
    const TensorInfo& b = hf->require(layer + "bias");
    EXPECT_EQ(b.shape, (Shape{c}));
    EXPECT_EQ(static_cast<const float*>(b.data)[0], 100.0f + static_cast<float>(p * c));
  }
  const TensorInfo& tp = hf->require("text_projection.weight");
  EXPECT_EQ(tp.shape, (Shape{2, c}));
  const auto* v = static_cast<const float*>(tp.data);
  for (int r = 0; r < 2; ++r)
    for (int k = 0; k < c; ++k) EXPECT_EQ(v[r * c + k], proj[static_cast<std::size_t>(k * 2 + r)]);
  EXPECT_NE(hf->find("logit_scale"), nullptr);
}

TEST(NameConversion, OpenClipFullLayerNamesMatchHuggingFace) {
  auto hf = openclip_to_hf_clip(table(testing::openclip_text(2, 16)));
  for (const TensorInfo& want : testing::hf_clip(2, 16)) {
    const TensorInfo* got = hf->find(want.name);
    ASSERT_NE(got, nullptr) << want.name;
    EXPECT_EQ(got->shape, want.shape) << want.name;  // same shapes in both layouts
  }
}

TEST(NameConversion, FusedProjectionWithBadShapeIsAnError) {
  std::vector<TensorInfo> oc = {
      {"transformer.resblocks.0.attn.in_proj_weight", DType::F32, Shape{10, 4}, nullptr, 0}};
  EXPECT_THROW(openclip_to_hf_clip(table(oc)), ModelFormatError);
}

TEST(NameConversion, StripPrefixInsertsMissingLevel) {
  std::vector<TensorInfo> t = {
      {"cond_stage_model.transformer.embeddings.position_ids", DType::I64, Shape{1, 77}, nullptr,
       0},
      {"cond_stage_model.transformer.text_model.final_layer_norm.weight", DType::F32, Shape{8},
       nullptr, 0},
      {"model.diffusion_model.out.2.weight", DType::F32, Shape{4, 8, 3, 3}, nullptr, 0}};
  auto te = strip_prefix(table(t), "cond_stage_model.transformer.", "text_model.");
  ASSERT_EQ(te->tensors().size(), 2u);
  EXPECT_NE(te->find("text_model.embeddings.position_ids"), nullptr);
  EXPECT_NE(te->find("text_model.final_layer_norm.weight"), nullptr);
}

}  // namespace
}  // namespace pixforge
