// txt2img and img2img: GenerationParams + Model -> images with their parameters attached.
//
//   for each of batch_count runs r (seed + r):
//     tokenize + encode prompt and negative prompt (TextConditioner)
//     noise = one torch.randn([batch_size, 4, h, w]) call, generator seeded with seed + r
//     sigmas = the scheduler's schedule (img2img: the last part of it, denoise = strength)
//     x = noise_scaling(noise, sigmas[0], ...) (+ VAE-encoded init image * 0.18215 for img2img)
//     x = sampler(ModelDenoiser(UNet, CFG with cond and uncond in one batch), x, sigmas)
//         (params.mask: the denoiser wrapped with the latent noise mask, sampling/inpaint.h)
//     params.hires: x = upscale(x) (hires_upscale.h), then the sampler again at the target
//         size from x with the hires steps/denoise/sampler/prompts and the same seeds
//     image = uint8(255 * clamp((VAE.decode(x / 0.18215) + 1) / 2, 0, 1))   (as ComfyUI)
//
// Variation seeds (A1111): the initial noise of each pass is slerped towards the subseed's
// (sampling/variation_noise.h); with a strength, run r keeps the seed and takes subseed + r.
//
// A progress callback runs after each sampler step with a preview of the current prediction;
// returning false (or setting the cancel flag) stops between steps with sampling::Cancelled.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pixforge/core/tensor.h"
#include "pixforge/image/a1111_parameters.h"
#include "pixforge/image/image.h"
#include "pixforge/pipeline/generation_params.h"
#include "pixforge/pipeline/model.h"
#include "pixforge/sampling/sampler.h"

namespace pixforge::pipeline {

using sampling::Cancelled;

struct Progress {
  int run = 0;                     // 0-based index among batch_count runs
  int runs = 1;                    // batch_count
  int step = 0;                    // 1-based step within this run (hires: both passes)
  int steps = 0;                   // sampler steps in this run (hires: both passes)
  double elapsed = 0;              // seconds since generate() started
  const Image* preview = nullptr;  // first image of the batch, latent-sized (or TAESD-sized)
};

struct GenerateOptions {
  // Return false to cancel. Called from the generating thread.
  std::function<bool(const Progress&)> on_progress;
  const std::atomic<bool>* cancel = nullptr;  // polled between steps
  bool previews = true;                       // build preview images for on_progress
  bool keep_latents = false;                  // fill GeneratedImage::latent (tests, tools)
  // Hires upscalers beyond the built-in ones, by name (hires_fix.h: the CLI and the service
  // wire the vision area's ESRGAN models here).
  ModelUpscalers upscalers;
};

struct GeneratedImage {
  Image image;
  std::int64_t seed = 0;       // the run's seed (shared by a batch, as ComfyUI)
  int batch_pos = 0;           // index within the batch
  A1111Parameters parameters;  // ready for the PNG "parameters" chunk
  Tensor latent;               // final sampler latent [1,h,w,4] (scaled, before /0.18215), if kept
};

// Validates params (InvalidParams), resolves a random seed, runs; batch_count * batch_size
// images in order. params.compute/threads/prediction are the Model's business (ModelOptions);
// a mismatch with the loaded model is an InvalidParams error rather than a silent reload.
std::vector<GeneratedImage> generate(const Model& model, const GenerationParams& params,
                                     const GenerateOptions& options = {});

// The options a Model must be loaded with to run `params`.
ModelOptions model_options_for(const GenerationParams& params, const ModelOptions& base = {});

}  // namespace pixforge::pipeline
