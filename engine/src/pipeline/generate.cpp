#include "pixforge/pipeline/generate.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "pixforge/core/ops.h"
#include "pixforge/image/convert.h"
#include "pixforge/nn/taesd.h"
#include "pixforge/nn/unet.h"
#include "pixforge/nn/vae.h"
#include "pixforge/pipeline/inpaint_region.h"
#include "pixforge/pipeline/latent_preview.h"
#include "pixforge/pipeline/masked_content.h"
#include "pixforge/sampling/inpaint.h"
#include "pixforge/sampling/ksampler.h"
#include "pixforge/sampling/noise.h"
#include "pixforge/text/text_conditioner.h"

namespace pixforge::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// [1, ...] repeated to [batch, ...] (concat joins at most 4 parts: grow by doubling).
Tensor tile_batch(const Tensor& one, int batch) {
  Tensor out = one;
  while (out.dim(0) < batch) {
    const std::int64_t add = std::min<std::int64_t>(out.dim(0), batch - out.dim(0));
    out = ops::concat({out, out.slice0(0, add)}, 0);
  }
  return out;
}

struct Contexts {
  Tensor cond;             // [B, n, C]
  Tensor uncond_and_cond;  // [2B, n, C]: rows [0, B) unconditional (empty when cfg is 1)
};

Contexts encode_contexts(const Model& model, const GenerationParams& p) {
  Contexts c;
  if (p.cfg_scale == 1.0) {  // the denoiser skips the unconditional pass (ComfyUI's cfg1)
    c.cond = tile_batch(model.text().encode(p.prompt, p.text_cleanup), p.batch_size);
    return c;
  }
  const text::Conditioning both =
      model.text().encode_pair(p.prompt, p.negative_prompt, p.text_cleanup);
  c.cond = tile_batch(both.cond, p.batch_size);
  c.uncond_and_cond = ops::concat({tile_batch(both.uncond, p.batch_size), c.cond}, 0);
  return c;
}

sampling::Prediction sampling_prediction(Prediction p) {
  return p == Prediction::V ? sampling::Prediction::V : sampling::Prediction::Epsilon;
}

// The init image resized to the output size, VAE-encoded and scaled, repeated for the batch.
Tensor init_latent(const Model& model, const GenerationParams& p) {
  Image image = to_rgb(*p.init_image);
  if (image.width != p.width || image.height != p.height) {
    image = resize_image(image, p.width, p.height, ResizeFilter::Lanczos3);
  }
  const Tensor pixels = image_to_tensor(model.backend(), image, PixelRange::MinusOneToOne);
  Tensor latent = ops::scale_bias(model.vae().encode(pixels), model.latent_scale());
  return tile_batch(latent, p.batch_size);
}

Image make_preview(const Model& model, const Tensor& denoised) {
  if (const nn::TinyDecoder* taesd = model.preview_decoder()) {
    const Tensor rgb = taesd->decode(denoised.slice0(0, 1));
    return tensor_to_image(rgb, 0, PixelRange::ZeroToOne);
  }
  return latent_rgb_preview(denoised, 0);
}

std::vector<GeneratedImage> decode_batch(const Model& model, const GenerationParams& p,
                                         const InpaintFrame& frame, const Tensor& x,
                                         std::int64_t seed, bool keep_latents) {
  std::vector<GeneratedImage> out;
  const Tensor unscaled = ops::scale_bias(x, 1.0f / model.latent_scale());
  const ModelLabel label = model.label();
  for (int i = 0; i < p.batch_size; ++i) {
    // One image at a time: VAE-decode activations are the largest tensors of a run.
    const Tensor pixels = model.vae().decode(unscaled.slice0(i, i + 1));
    GeneratedImage g;
    g.image = frame.finish(tensor_to_image(pixels, 0, PixelRange::MinusOneToOne));
    g.seed = seed;
    g.batch_pos = i;
    g.parameters = to_a1111(p, seed, i, label);
    if (keep_latents) g.latent = x.slice0(i, i + 1);
    out.push_back(std::move(g));
  }
  return out;
}

// The run's starting latent: the init latent with the masked area replaced as
// p.masked_content asks. Latent noise is A1111's create_random_tensors for the run's seeds
// (image i of the batch seeded seed + i on p.rng), which for one image is the same draw the
// sampler starts from, as in A1111.
Tensor run_init_latent(const Model& model, const GenerationParams& p, const Tensor& init,
                       const Tensor& latent_mask, std::int64_t seed) {
  if (!latent_mask.defined() || (p.masked_content != MaskedContent::LatentNoise &&
                                 p.masked_content != MaskedContent::LatentNothing)) {
    return init;
  }
  Tensor noise;
  if (p.masked_content == MaskedContent::LatentNoise) {
    sampling::NoiseSampler draw(p.rng, static_cast<std::uint64_t>(seed), init.shape(),
                                sampling::NoiseBatching::PerImage);
    noise = draw.next(model.backend());
  }
  return apply_latent_masked_content(p.masked_content, init, latent_mask, noise);
}

}  // namespace

ModelOptions model_options_for(const GenerationParams& params, const ModelOptions& base) {
  ModelOptions o = base;
  o.compute = params.compute;
  o.threads = params.threads;
  o.prediction = params.prediction;
  return o;
}

std::vector<GeneratedImage> generate(const Model& model, const GenerationParams& params,
                                     const GenerateOptions& options) {
  validate(params);
  const ModelOptions& mo = model.options();
  if (mo.compute != params.compute || mo.threads != params.threads ||
      mo.prediction != params.prediction) {
    throw InvalidParams(
        "the model was loaded with other compute type, thread count or prediction override "
        "than the request asks for (load it with model_options_for(params))");
  }
  const auto start = Clock::now();
  GenerationParams p = params;
  p.seed = resolve_seed(params.seed);
  // Inpainting's crop, fill and overlay (A1111's conventions, when asked for) around sampling.
  const InpaintFrame frame = InpaintFrame::prepare(p);

  const sampling::SamplerKind kind = sampling::parse_sampler(p.sampler);
  const sampling::DiscreteSchedule schedule;

  const Contexts ctx = encode_contexts(model, p);
  const nn::UNet& unet = model.unet();
  sampling::ModelFn network = [&](const Tensor& x_in, float t, sampling::Conditioning which) {
    const Tensor& context = which == sampling::Conditioning::Cond ? ctx.cond : ctx.uncond_and_cond;
    return unet.forward(x_in, std::vector<float>(static_cast<std::size_t>(x_in.dim(0)), t),
                        context);
  };
  sampling::ModelDenoiserOptions dopts;
  dopts.prediction = sampling_prediction(model.info().prediction);
  dopts.cfg_scale = static_cast<float>(p.cfg_scale);
  const sampling::Denoiser denoiser = sampling::make_model_denoiser(schedule, network, dopts);

  const Tensor init = p.init_image ? init_latent(model, p) : Tensor();
  const Shape latent_shape{p.batch_size, p.height / 8, p.width / 8, 4};
  sampling::KSamplerSettings ks;
  ks.sampler = kind;
  ks.scheduler = sampling::parse_scheduler(p.scheduler);
  ks.steps = p.steps;
  ks.denoise = p.init_image ? p.strength : 1.0;
  ks.rng = p.rng;
  // Ancestral/SDE noise: k-diffusion's own generator; ComfyUI on the CPU seeds it with
  // seed + 1, which is what --rng cpu reproduces.
  ks.ancestral = {p.rng, p.rng == sampling::RngKind::TorchCpu ? 1 : 0};
  ks.sde_noise = p.sde_noise;
  if (p.mask && p.latent_mask_style != LatentMaskStyle::ComfyUI) {
    ks.denoise_mask = a1111_latent_mask(model.backend(), *p.mask, p.width, p.height, latent_shape,
                                        p.latent_mask_style == LatentMaskStyle::A1111Rounded);
  } else if (p.mask) {  // inpainting: the latent noise mask, applied around every denoiser call
    ks.denoise_mask = sampling::prepare_denoise_mask(model.backend(), p.mask->values, p.mask->width,
                                                     p.mask->height, latent_shape);
  }
  std::vector<GeneratedImage> images;
  for (int run = 0; run < p.batch_count; ++run) {
    const std::int64_t seed = p.seed + run;
    ks.seed = static_cast<std::uint64_t>(seed);
    sampling::KSamplerHooks hooks;
    hooks.cancel = options.cancel;
    hooks.on_step = [&](const sampling::StepInfo& info) {
      if (!options.on_progress) return true;
      Image preview;
      if (options.previews && info.denoised) preview = make_preview(model, *info.denoised);
      Progress pr;
      pr.run = run;
      pr.runs = p.batch_count;
      pr.step = info.step + 1;
      pr.steps = info.total;
      pr.elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      pr.preview = preview.empty() ? nullptr : &preview;
      return options.on_progress(pr);
    };
    const Tensor run_init = run_init_latent(model, p, init, ks.denoise_mask, seed);
    const Tensor x = sampling::ksample(schedule, denoiser, ks, model.backend(), latent_shape,
                                       run_init.defined() ? &run_init : nullptr, hooks);
    auto batch = decode_batch(model, p, frame, x, seed, options.keep_latents);
    for (auto& g : batch) images.push_back(std::move(g));
  }
  return images;
}

}  // namespace pixforge::pipeline
