// AutoencoderKL: encoder -> quant_conv (moments), post_quant_conv -> decoder.
#include "pixforge/nn/vae.h"

#include <optional>
#include <stdexcept>

#include "pixforge/core/ops.h"
#include "vae_decoder.h"
#include "vae_encoder.h"

namespace pixforge::nn {

VaeConfig derive_vae_config(const TensorSource& w) {
  VaeConfig c;
  const Shape& conv_in = w.require("decoder.conv_in.weight").shape;
  if (conv_in.rank() != 4) {
    throw ModelFormatError("decoder.conv_in.weight " + conv_in.str() + " is not a convolution");
  }
  c.latent_channels = static_cast<int>(conv_in[1]);
  c.image_channels = static_cast<int>(w.require("decoder.conv_out.weight").shape[0]);
  c.has_encoder = w.find("encoder.conv_in.weight") != nullptr;
  // Levels and widths from the decoder (present in every file): up.<i>.block.0 per level.
  c.channel_mult.clear();
  int levels = 0;
  while (w.find("decoder.up." + std::to_string(levels) + ".block.0.conv1.weight")) ++levels;
  if (levels == 0) throw ModelFormatError("VAE weights lack decoder.up.0.block.0.conv1.weight");
  const Shape& up0 = w.require("decoder.up.0.block.0.conv1.weight").shape;
  c.base_channels = static_cast<int>(up0[0]);
  for (int i = 0; i < levels; ++i) {
    const std::string p = "decoder.up." + std::to_string(i) + ".block.";
    const std::int64_t width = w.require(p + "0.conv1.weight").shape[0];
    c.channel_mult.push_back(static_cast<int>(width / c.base_channels));
  }
  int blocks = 0;
  while (w.find("decoder.up.0.block." + std::to_string(blocks) + ".conv1.weight")) ++blocks;
  c.num_res_blocks = blocks - 1;
  if (c.num_res_blocks < 1) throw ModelFormatError("VAE decoder levels have fewer than 2 blocks");
  return c;
}

struct Vae::Impl {
  VaeConfig config;
  std::optional<VaeEncoder> encoder;
  std::shared_ptr<const PreparedWeight> quant_conv, quant_mean, post_quant_conv;
  std::optional<VaeDecoder> decoder;
};

Vae::Vae(const TensorSource& weights, Backend& backend) : impl_(std::make_unique<Impl>()) {
  impl_->config = derive_vae_config(weights);
  WeightReader r(weights, backend);
  if (impl_->config.has_encoder) {
    impl_->encoder.emplace(r, impl_->config);
    impl_->quant_conv = r.linear("quant_conv.");
    impl_->quant_mean = r.linear_rows("quant_conv.", impl_->config.latent_channels);
  }
  impl_->post_quant_conv = r.linear("post_quant_conv.");
  impl_->decoder.emplace(r, impl_->config);
  r.check_all_used("");
}

Vae::~Vae() = default;

const VaeConfig& Vae::config() const { return impl_->config; }

namespace {

void check_spatial(const char* what, const Tensor& t, int channels, std::int64_t multiple) {
  if (t.rank() != 4 || t.dim(3) != channels || t.dim(1) % multiple != 0 ||
      t.dim(2) % multiple != 0 || t.dim(1) == 0 || t.dim(2) == 0) {
    throw std::invalid_argument(std::string("VAE: ") + what + " " + t.shape().str() +
                                " must be [B,H,W," + std::to_string(channels) +
                                "] with H, W positive multiples of " + std::to_string(multiple));
  }
}

// The autoencoder's activations are sized unlike anything else in a generation (hundreds of MB
// each at 512², where the UNet's are tens): each pass starts from an empty pool, so the
// sampler's pooled buffers are not held beside its maps, and leaves nothing pooled behind for
// the sampler to hold beside its own. Only free buffers are given back; live tensors (the
// result, other threads' work) are untouched.
class PoolScope {
 public:
  explicit PoolScope(Backend& backend) : backend_(backend) { backend_.release_pooled(); }
  ~PoolScope() { backend_.release_pooled(); }
  PoolScope(const PoolScope&) = delete;
  PoolScope& operator=(const PoolScope&) = delete;

 private:
  Backend& backend_;
};

}  // namespace

Tensor Vae::encode_moments(const Tensor& image, const StageHook& hook) const {
  if (!impl_->encoder) throw UnsupportedOp("VAE: these weights hold no encoder");
  check_spatial("image", image, impl_->config.image_channels, impl_->config.downscale());
  const PoolScope pool(image.backend());
  return ops::linear(impl_->encoder->forward(image, hook), *impl_->quant_conv);  // [B,h,w,2z]
}

Tensor Vae::encode(const Tensor& image, const StageHook& hook) const {
  if (!impl_->encoder) throw UnsupportedOp("VAE: these weights hold no encoder");
  check_spatial("image", image, impl_->config.image_channels, impl_->config.downscale());
  const PoolScope pool(image.backend());
  // Only the mean rows of quant_conv: the log-variance half is not needed.
  return ops::linear(impl_->encoder->forward(image, hook), *impl_->quant_mean);  // [B,h,w,z]
}

Tensor Vae::decode(const Tensor& latent, const StageHook& hook) const {
  check_spatial("latent", latent, impl_->config.latent_channels, 1);
  const PoolScope pool(latent.backend());
  const Tensor z = ops::linear(latent, *impl_->post_quant_conv);  // [B,h,w,z]
  return impl_->decoder->forward(z, hook);                        // [B,8h,8w,3]
}

}  // namespace pixforge::nn
