// What one generation request asks for, independent of how it arrived (CLI flags, a PNG's
// parameters chunk, the service's JSON), and the checks that run before anything is allocated.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "pixforge/image/image.h"
#include "pixforge/io/checkpoint.h"
#include "pixforge/pipeline/hires_fix.h"
#include "pixforge/sampling/brownian_tree.h"
#include "pixforge/sampling/noise_generator.h"
#include "pixforge/text/text_cleanup.h"

namespace pixforge::pipeline {

// A request that cannot run; the message names the field, the value and what is allowed
// (never the prompt text).
class InvalidParams : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// An inpainting mask (ComfyUI's latent noise mask, sampling/inpaint.h): one value per pixel of
// the init image, row-major, 1 = repaint, 0 = keep, fractions blend. Built from a picture by
// mask_from_image (inpaint_mask.h).
struct InpaintMask {
  int width = 0;
  int height = 0;
  std::vector<float> values;
};

// What the masked area starts from before sampling (A1111's inpainting_fill, "Masked content"):
// Original keeps the init image there (ComfyUI's latent noise mask; the default); Fill replaces
// the masked pixels by colours blurred in from around them (A1111's masking.fill) before VAE
// encoding; LatentNoise replaces the masked latent by the run's seeded noise draw; LatentNothing
// zeroes it. The latent modes blend by the latent mask, as A1111 does (masked_content.h).
enum class MaskedContent { Original, Fill, LatentNoise, LatentNothing };
std::string_view masked_content_name(MaskedContent c);      // "original", "fill", ...
MaskedContent parse_masked_content(std::string_view name);  // throws InvalidParams

// Where inpainting samples (A1111's inpaint_full_res, "Inpaint area"): Whole runs on the whole
// init image resized to width x height; OnlyMasked crops the mask's bounding box (plus
// inpaint_padding, widened to the output's aspect ratio, clamped to the image), inpaints that
// at width x height and pastes it back, so the output keeps the init image's size
// (inpaint_region.h).
enum class InpaintArea { Whole, OnlyMasked };
std::string_view inpaint_area_name(InpaintArea a);      // "whole", "masked"
InpaintArea parse_inpaint_area(std::string_view name);  // throws InvalidParams

// How the mask becomes the latent mask the sampler blends with: ComfyUI resizes it to the latent
// bilinearly, fractions kept; A1111 resizes the width x height mask with PIL's bicubic (its
// default Image.resize), and A1111Rounded (A1111's mask_round, on by default) rounds that to 0 or
// 1 (masked_content.h).
enum class LatentMaskStyle { ComfyUI, A1111, A1111Rounded };

enum class ComputeType { F32, BF16 };
std::string_view compute_type_name(ComputeType t);      // "f32", "bf16"
ComputeType parse_compute_type(std::string_view name);  // throws InvalidParams

struct GenerationParams {
  std::string prompt;
  std::string negative_prompt;
  int width = 512;
  int height = 512;
  int steps = 20;
  double cfg_scale = 7.0;
  std::int64_t seed = -1;         // -1: pick a random seed (resolve_seed)
  std::string sampler = "euler";  // ComfyUI names: euler, euler_ancestral, dpmpp_2m, ...
  std::string scheduler = "normal";
  int batch_count = 1;              // runs one after another, seed + i each
  int batch_size = 1;               // images per run, one noise draw for the whole batch
  std::optional<Image> init_image;  // img2img when set (resized to width x height)
  double strength = 0.75;           // img2img denoise, (0, 1]
  // Inpainting: needs init_image and has its size (it maps onto the output as the init image
  // does, then is resized to the latent bilinearly, as ComfyUI). Strength keeps its meaning.
  std::optional<InpaintMask> mask;
  MaskedContent masked_content = MaskedContent::Original;
  InpaintArea inpaint_area = InpaintArea::Whole;
  int inpaint_padding = 32;  // pixels around the mask's bounding box (OnlyMasked), 0..4096
  // A1111's final overlay: the init image is alpha-composited over every output with the mask
  // as transparency, so pixels the mask does not touch equal the input exactly. Whole area: the
  // mask is doubled first (A1111's mask_for_overlay). OnlyMasked always overlays.
  bool mask_overlay = false;
  LatentMaskStyle latent_mask_style = LatentMaskStyle::ComfyUI;
  sampling::RngKind rng = sampling::RngKind::TorchCpu;
  // dpmpp_sde / dpmpp_2m_sde noise: ComfyUI's Brownian tree (default) or a Gaussian draw per step.
  sampling::SdeNoiseKind sde_noise = sampling::SdeNoiseKind::BrownianTree;
  // How prompt text is cleaned before tokenizing (text/text_cleanup.h); not written to the A1111
  // parameters infotext (neither A1111 nor ComfyUI records it).
  text::TextCleanup text_cleanup = text::TextCleanup::ComfyUI;
  std::optional<Prediction> prediction;  // overrides what the checkpoint says
  int threads = 0;                       // 0: all cores
  ComputeType compute = ComputeType::BF16;
  // A1111's variation seed (sampling/variation_noise.h): the initial noise slerped towards
  // the subseed's by subseed_strength. With a strength, every run keeps `seed` and run r
  // takes subseed + r (A1111's all_seeds / all_subseeds); -1 picks a random subseed.
  std::int64_t subseed = -1;
  double subseed_strength = 0.0;
  // Seed resize: the seed's noise drawn at this size (pixels) and centred; 0 (or -1) = off,
  // on only when both are > 0.
  int seed_resize_from_w = 0;
  int seed_resize_from_h = 0;
  // txt2img only: A1111's hires fix (hires_fix.h); the output has the hires target's size.
  std::optional<HiresFix> hires;
};

// Bounds checked by validate(). Width and height must be multiples of 8 (the VAE's scale), as in
// ComfyUI and A1111: the latent may have odd sides, which the UNet's downsamples round up and
// its upsamples return to their skip's size exactly as ComfyUI's UNet does.
struct ParamLimits {
  int max_side = 4096;
  std::int64_t max_pixels = 2048LL * 2048;  // per image; bounds VAE-decode activations
  int max_steps = 1000;
  double max_cfg = 100.0;
  int max_batch_size = 16;
  int max_batch_count = 1000;
};

// The sampler and scheduler names the pipeline runs (ComfyUI's spelling).
const std::vector<std::string>& sampler_names();
const std::vector<std::string>& scheduler_names();

// Throws InvalidParams for the first problem found. `model_upscalers`: hires upscaler names
// accepted besides the built-in ones (GenerateOptions::upscalers).
void validate(const GenerationParams& params, const ParamLimits& limits = {},
              const std::vector<std::string>& model_upscalers = {});

// The seed a run uses: params.seed, or a random one in [0, 2^32) when it is -1 (as A1111 and
// stable-diffusion.cpp choose random seeds).
std::int64_t resolve_seed(std::int64_t seed);

}  // namespace pixforge::pipeline
