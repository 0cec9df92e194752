// UNet assembly and forward pass. Block i of input_blocks / output_blocks is one
// TimestepEmbedSequential in ldm: [ResBlock] [SpatialTransformer] [Down/Upsample] (or, for
// input_blocks.0, the input convolution alone).
#include "pixforge/nn/unet.h"

#include <cmath>
#include <optional>
#include <stdexcept>

#include "pixforge/core/ops.h"
#include "pixforge/nn/weights.h"
#include "resnet_block.h"
#include "spatial_transformer.h"

namespace pixforge::nn {

namespace {

constexpr Conv2dSpec kConv3x3{.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
constexpr Conv2dSpec kDown3x3{
    .stride_h = 2, .stride_w = 2, .pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1};

struct EmbedBlock {
  std::shared_ptr<const PreparedWeight> conv;  // input conv (block 0) or Downsample "op"
  std::optional<ResBlock> res;
  std::optional<SpatialTransformer> attn;
  std::shared_ptr<const PreparedWeight> upsample;  // nearest to the next skip's size, this conv

  // `up_to`: the skip the upsampled map joins next (ComfyUI's Upsample output_shape). A
  // downsample of an odd side n gives ceil(n/2), so the upsample returns to 2·m or 2·m − 1.
  Tensor forward(Tensor h, const Tensor& emb_silu, const Tensor& context,
                 const Tensor* up_to = nullptr) const {
    if (conv) h = ops::conv2d(h, *conv);      // [B,H',W',C]
    if (res) h = res->forward(h, emb_silu);   // [B,H,W,C]
    if (attn) h = attn->forward(h, context);  // [B,H,W,C]
    if (upsample) {
      const bool doubled =
          up_to == nullptr || (up_to->dim(1) == 2 * h.dim(1) && up_to->dim(2) == 2 * h.dim(2));
      h = doubled ? ops::upsample_nearest(h, 2)  // [B,2H,2W,C]
                  : ops::upsample_nearest(h, up_to->dim(1), up_to->dim(2));
      h = ops::conv2d(h, *upsample);
    }
    return h;
  }
};

}  // namespace

struct UNet::Impl {
  UNetConfig config;
  std::shared_ptr<const PreparedWeight> time_in, time_out;
  std::vector<EmbedBlock> input_blocks, output_blocks;
  EmbedBlock middle_res1;
  std::optional<SpatialTransformer> middle_attn;
  std::optional<ResBlock> middle_res2;
  Norm out_norm;
  std::shared_ptr<const PreparedWeight> out_conv;

  void build(WeightReader& r);
  bool has_attention(int level) const {
    for (int l : config.attention_levels) {
      if (l == level) return true;
    }
    return false;
  }
  std::optional<SpatialTransformer> transformer(WeightReader& r, const std::string& p,
                                                std::int64_t ch) const {
    return SpatialTransformer(r, p, ch, config.num_heads, config.head_dim);
  }
};

void UNet::Impl::build(WeightReader& r) {
  const UNetConfig& c = config;
  const std::int64_t mc = c.model_channels, emb_ch = 4 * mc;
  time_in = r.linear("time_embed.0.");
  time_out = r.linear("time_embed.2.");
  if (time_in->shape() != Shape{emb_ch, mc} || time_out->shape() != Shape{emb_ch, emb_ch}) {
    throw ModelFormatError("time_embed: shapes do not fit model_channels " + std::to_string(mc));
  }
  EmbedBlock first;
  first.conv = r.conv("input_blocks.0.0.", kConv3x3);
  input_blocks.push_back(std::move(first));
  std::vector<std::int64_t> skip_ch{mc};
  std::int64_t ch = mc;
  const int levels = static_cast<int>(c.channel_mult.size());
  for (int level = 0; level < levels; ++level) {
    for (int i = 0; i < c.num_res_blocks; ++i) {
      const std::string p = "input_blocks." + std::to_string(input_blocks.size()) + ".";
      EmbedBlock b;
      b.res.emplace(r, p + "0.", ch, emb_ch);
      ch = b.res->out_channels();
      if (has_attention(level)) b.attn = transformer(r, p + "1.", ch);
      input_blocks.push_back(std::move(b));
      skip_ch.push_back(ch);
    }
    if (level != levels - 1) {
      EmbedBlock b;
      b.conv = r.conv("input_blocks." + std::to_string(input_blocks.size()) + ".0.op.", kDown3x3);
      input_blocks.push_back(std::move(b));
      skip_ch.push_back(ch);
    }
  }
  middle_res1.res.emplace(r, "middle_block.0.", ch, emb_ch);
  middle_attn = transformer(r, "middle_block.1.", ch);
  middle_res2.emplace(r, "middle_block.2.", ch, emb_ch);
  for (int level = levels - 1; level >= 0; --level) {
    for (int i = 0; i <= c.num_res_blocks; ++i) {
      const std::string p = "output_blocks." + std::to_string(output_blocks.size()) + ".";
      EmbedBlock b;
      b.res.emplace(r, p + "0.", ch + skip_ch.back(), emb_ch);
      skip_ch.pop_back();
      ch = b.res->out_channels();
      int next = 1;
      if (has_attention(level)) b.attn = transformer(r, p + std::to_string(next++) + ".", ch);
      if (level != 0 && i == c.num_res_blocks) {
        b.upsample = r.conv(p + std::to_string(next) + ".conv.", kConv3x3);
      }
      output_blocks.push_back(std::move(b));
    }
  }
  out_norm = Norm(r, "out.0.", ch, 32, 1e-5f);
  out_conv = r.conv("out.2.", kConv3x3);
  r.check_all_used("");
}

UNet::UNet(const TensorSource& weights, Backend& backend)
    : UNet(weights, backend, derive_unet_config(weights)) {}

UNet::UNet(const TensorSource& weights, Backend& backend, const UNetConfig& config)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  WeightReader reader(weights, backend);
  impl_->build(reader);
}

UNet::~UNet() = default;

const UNetConfig& UNet::config() const { return impl_->config; }

std::vector<float> timestep_embedding(const std::vector<float>& timesteps, int dim) {
  const int half = dim / 2;
  std::vector<float> out(timesteps.size() * static_cast<std::size_t>(dim), 0.0f);
  for (std::size_t b = 0; b < timesteps.size(); ++b) {
    float* row = out.data() + b * static_cast<std::size_t>(dim);
    for (int i = 0; i < half; ++i) {
      // In f32 like the reference (torch.exp on a float32 arange), so t·f rounds the same.
      const float freq =
          std::exp(-std::log(10000.0f) * static_cast<float>(i) / static_cast<float>(half));
      const float arg = timesteps[b] * freq;
      row[i] = std::cos(arg);
      row[half + i] = std::sin(arg);
    }
  }
  return out;
}

Tensor UNet::forward(const Tensor& x, const std::vector<float>& timesteps, const Tensor& context,
                     const StageHook& hook) const {
  const Impl& m = *impl_;
  const UNetConfig& c = m.config;
  const std::int64_t batch = x.dim(0);
  if (x.rank() != 4 || x.dim(3) != c.in_channels) {
    throw std::invalid_argument("UNet: x " + x.shape().str() + " must be [B,H,W," +
                                std::to_string(c.in_channels) + "]");
  }
  // Any latent size works (as in ComfyUI): downsampling rounds odd sides up and each upsample
  // returns to its skip's size. Only an empty latent is refused.
  if (x.dim(1) < 1 || x.dim(2) < 1) {
    throw std::invalid_argument("UNet: latent " + x.shape().str() + " has an empty side");
  }
  if (static_cast<std::int64_t>(timesteps.size()) != batch) {
    throw std::invalid_argument("UNet: " + std::to_string(timesteps.size()) +
                                " timesteps for a batch of " + std::to_string(batch));
  }
  if (context.rank() != 3 || context.dim(0) != batch || context.dim(2) != c.context_dim) {
    throw std::invalid_argument("UNet: context " + context.shape().str() + " must be [" +
                                std::to_string(batch) + ",M," + std::to_string(c.context_dim) +
                                "]");
  }
  const auto emit = [&](const std::string& name, const Tensor& t) {
    if (hook) hook(name, t);
  };
  const Tensor t_emb = Tensor::from_host(x.backend(), Shape{batch, c.model_channels},
                                         timestep_embedding(timesteps, c.model_channels));
  // Every ResBlock applies SiLU to the embedding first: fused into time_embed.2 once here.
  const Tensor emb_silu = ops::linear(ops::linear(t_emb, *m.time_in, Activation::Silu), *m.time_out,
                                      Activation::Silu);  // [B, 4mc]
  std::vector<Tensor> skips;
  Tensor h = x;  // [B,H,W,Cin]
  for (std::size_t i = 0; i < m.input_blocks.size(); ++i) {
    h = m.input_blocks[i].forward(h, emb_silu, context);  // [B,H/2^l,W/2^l,C_l]
    emit("input_blocks." + std::to_string(i), h);
    skips.push_back(h);
  }
  h = m.middle_res1.forward(h, emb_silu, context);  // [B,h,w,C]
  h = m.middle_attn->forward(h, context);           // [B,h,w,C]
  h = m.middle_res2->forward(h, emb_silu);          // [B,h,w,C]
  emit("middle_block", h);
  for (std::size_t i = 0; i < m.output_blocks.size(); ++i) {
    h = ops::concat({h, skips.back()}, 3);  // [B,h,w,C+Cskip]
    skips.pop_back();
    h = m.output_blocks[i].forward(h, emb_silu, context,
                                   skips.empty() ? nullptr : &skips.back());  // [B,h',w',C']
    emit("output_blocks." + std::to_string(i), h);
  }
  h = m.out_norm.group(h, Activation::Silu);  // [B,H,W,mc]
  return ops::conv2d(h, *m.out_conv);         // [B,H,W,out_channels]
}

}  // namespace pixforge::nn
