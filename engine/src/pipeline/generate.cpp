#include "pixforge/pipeline/generate.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "pixforge/core/ops.h"
#include "pixforge/image/convert.h"
#include "pixforge/nn/taesd.h"
#include "pixforge/nn/unet.h"
#include "pixforge/nn/vae.h"
#include "pixforge/pipeline/hires_upscale.h"
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

Contexts encode_contexts(const Model& model, const GenerationParams& p, const std::string& prompt,
                         const std::string& negative_prompt) {
  Contexts c;
  if (p.cfg_scale == 1.0) {  // the denoiser skips the unconditional pass (ComfyUI's cfg1)
    c.cond = tile_batch(model.text().encode(prompt, p.text_cleanup), p.batch_size);
    return c;
  }
  const text::Conditioning both = model.text().encode_pair(prompt, negative_prompt, p.text_cleanup);
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

// The UNet behind classifier-free guidance with `ctx` (which must outlive the denoiser).
sampling::Denoiser make_denoiser(const Model& model, const Contexts& ctx, double cfg_scale,
                                 const sampling::DiscreteSchedule& schedule) {
  const nn::UNet& unet = model.unet();
  sampling::ModelFn network = [&unet, &ctx](const Tensor& x_in, float t,
                                            sampling::Conditioning which) {
    const Tensor& context = which == sampling::Conditioning::Cond ? ctx.cond : ctx.uncond_and_cond;
    return unet.forward(x_in, std::vector<float>(static_cast<std::size_t>(x_in.dim(0)), t),
                        context);
  };
  sampling::ModelDenoiserOptions dopts;
  dopts.prediction = sampling_prediction(model.info().prediction);
  dopts.cfg_scale = static_cast<float>(cfg_scale);
  return sampling::make_model_denoiser(schedule, network, dopts);
}

// The number of sampler steps a KSampler run of these settings makes (callbacks it sends).
int sampler_steps(const sampling::DiscreteSchedule& schedule,
                  const sampling::KSamplerSettings& ks) {
  return static_cast<int>(
             sampling::sampling_sigmas(schedule, ks.scheduler, ks.steps, ks.denoise,
                                       sampling::sampler_discards_penultimate_sigma(ks.sampler))
                 .size()) -
         1;
}

// The hires fix's second pass (hires_fix.h): its settings and conditioning, built once.
struct HiresPass {
  HiresTarget target;
  sampling::KSamplerSettings ks;
  std::optional<Contexts> own_ctx;  // set when the pass has prompts of its own
  int steps = 0;                    // sampler callbacks it sends
};

std::optional<HiresPass> plan_hires(const Model& model, const GenerationParams& p,
                                    const sampling::KSamplerSettings& first,
                                    const sampling::DiscreteSchedule& schedule) {
  if (!p.hires) return std::nullopt;
  const HiresFix& h = *p.hires;
  HiresPass pass;
  pass.target = hires_target(p.width, p.height, h);
  pass.ks = first;
  if (!h.sampler.empty()) pass.ks.sampler = sampling::parse_sampler(h.sampler);
  if (!h.scheduler.empty()) pass.ks.scheduler = sampling::parse_scheduler(h.scheduler);
  pass.ks.steps = h.steps > 0 ? h.steps : p.steps;
  pass.ks.denoise = h.denoise;
  const std::string& prompt = h.prompt ? *h.prompt : p.prompt;
  const std::string& negative = h.negative_prompt ? *h.negative_prompt : p.negative_prompt;
  if (prompt != p.prompt || negative != p.negative_prompt) {
    pass.own_ctx = encode_contexts(model, p, prompt, negative);
  }
  pass.steps = sampler_steps(schedule, pass.ks);
  return pass;
}

std::vector<GeneratedImage> decode_batch(const Model& model, const GenerationParams& p,
                                         const InpaintFrame& frame, const Tensor& x,
                                         std::int64_t seed, std::int64_t subseed,
                                         bool keep_latents) {
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
    g.parameters = to_a1111(p, seed, i, label, subseed);
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
  std::vector<std::string> model_upscalers;
  for (const auto& [name, fn] : options.upscalers) model_upscalers.push_back(name);
  validate(params, {}, model_upscalers);
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

  p.subseed = resolve_seed(params.subseed);
  const sampling::DiscreteSchedule schedule;
  const Contexts ctx = encode_contexts(model, p, p.prompt, p.negative_prompt);
  const sampling::Denoiser denoiser = make_denoiser(model, ctx, p.cfg_scale, schedule);

  const Tensor init = p.init_image ? init_latent(model, p) : Tensor();
  const Shape latent_shape{p.batch_size, p.height / 8, p.width / 8, 4};
  sampling::KSamplerSettings ks;
  ks.sampler = sampling::parse_sampler(p.sampler);
  ks.scheduler = sampling::parse_scheduler(p.scheduler);
  ks.steps = p.steps;
  ks.denoise = p.init_image ? p.strength : 1.0;
  ks.rng = p.rng;
  // Ancestral/SDE noise: k-diffusion's own generator; ComfyUI on the CPU seeds it with
  // seed + 1, which is what --rng cpu reproduces.
  ks.ancestral = {p.rng, p.rng == sampling::RngKind::TorchCpu ? 1 : 0};
  ks.sde_noise = p.sde_noise;
  ks.variation.strength = p.subseed_strength;
  ks.variation.resize_from_width = p.seed_resize_from_w;
  ks.variation.resize_from_height = p.seed_resize_from_h;
  if (p.mask && p.latent_mask_style != LatentMaskStyle::ComfyUI) {
    ks.denoise_mask = a1111_latent_mask(model.backend(), *p.mask, p.width, p.height, latent_shape,
                                        p.latent_mask_style == LatentMaskStyle::A1111Rounded);
  } else if (p.mask) {  // inpainting: the latent noise mask, applied around every denoiser call
    ks.denoise_mask = sampling::prepare_denoise_mask(model.backend(), p.mask->values, p.mask->width,
                                                     p.mask->height, latent_shape);
  }
  const std::optional<HiresPass> hires = plan_hires(model, p, ks, schedule);
  const sampling::Denoiser hires_denoiser =
      hires && hires->own_ctx ? make_denoiser(model, *hires->own_ctx, p.cfg_scale, schedule)
                              : denoiser;
  const int first_steps = sampler_steps(schedule, ks);
  const int run_steps = first_steps + (hires ? hires->steps : 0);
  std::vector<GeneratedImage> images;
  for (int run = 0; run < p.batch_count; ++run) {
    // A1111's all_seeds / all_subseeds: with a variation strength the seed stays and the
    // subseed moves on; without one the seed moves on.
    const std::int64_t seed = p.seed + (p.subseed_strength == 0.0 ? run : 0);
    const std::int64_t subseed = p.subseed + run;
    ks.seed = static_cast<std::uint64_t>(seed);
    ks.variation.subseed = static_cast<std::uint64_t>(subseed);
    int step_offset = 0;  // steps of earlier passes of this run (A1111 counts both passes)
    sampling::KSamplerHooks hooks;
    hooks.cancel = options.cancel;
    hooks.on_step = [&](const sampling::StepInfo& info) {
      if (!options.on_progress) return true;
      Image preview;
      if (options.previews && info.denoised) preview = make_preview(model, *info.denoised);
      Progress pr;
      pr.run = run;
      pr.runs = p.batch_count;
      pr.step = step_offset + info.step + 1;
      pr.steps = run_steps;
      pr.elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      pr.preview = preview.empty() ? nullptr : &preview;
      return options.on_progress(pr);
    };
    const Tensor run_init = run_init_latent(model, p, init, ks.denoise_mask, seed);
    Tensor x = sampling::ksample(schedule, denoiser, ks, model.backend(), latent_shape,
                                 run_init.defined() ? &run_init : nullptr, hooks);
    if (hires) {
      if (options.cancel != nullptr && options.cancel->load()) throw Cancelled();
      const Tensor start_latent =
          hires_upscale(model, x, *p.hires, hires->target, options.upscalers);
      sampling::KSamplerSettings hks = hires->ks;
      hks.seed = ks.seed;
      hks.variation = ks.variation;
      step_offset = first_steps;
      x = sampling::ksample(schedule, hires_denoiser, hks, model.backend(), start_latent.shape(),
                            &start_latent, hooks);
    }
    auto batch = decode_batch(model, p, frame, x, seed, subseed, options.keep_latents);
    for (auto& g : batch) images.push_back(std::move(g));
  }
  return images;
}

}  // namespace pixforge::pipeline
