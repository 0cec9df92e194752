// `pixforge generate`: text-to-image and image-to-image from the command line, with the flag
// names stable-diffusion.cpp users know. Parameters are checked before the model is loaded, so
// a bad request (e.g. -W 100000) fails in milliseconds without allocating anything.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "command.h"
#include "esrgan_upscalers.h"
#include "pixforge/image/codec.h"
#include "pixforge/pipeline/generate.h"
#include "pixforge/pipeline/infotext.h"
#include "pixforge/pipeline/inpaint_mask.h"
#include "pixforge/pipeline/model.h"
#include "pixforge/text/text_cleanup.h"
#include "progress_bar.h"
#include "variation_hires_flags.h"

namespace {

using namespace pixforge;
using namespace pixforge::pipeline;

// Exit statuses (also listed in --help).
constexpr int kExitInvalidParams = 2;
constexpr int kExitModel = 3;
constexpr int kExitImage = 4;
constexpr int kExitCancelled = 130;

std::atomic<bool> g_cancel{false};
extern "C" void on_sigint(int) { g_cancel.store(true); }

struct Flags {
  std::string model, prompt, negative, sampler = "euler", scheduler = "normal";
  int width = 512, height = 512, steps = 20, batch_count = 1, batch_size = 1, threads = 0;
  double cfg = 7.0, strength = 0.75;
  std::int64_t seed = 42;
  std::string init_image, rng = "cpu", prediction, type = "bf16", vocab, output = "output.png";
  std::string from, sde_noise = "brownian", mask, text_cleanup = "comfyui";
  cli::VariationHiresFlags variation_hires;
  std::string masked_content = "original", inpaint_area = "whole";
  int inpaint_padding = 32;
  bool mask_overlay = false;
  std::string latent_mask = "comfyui";
};

// Output file for image k of the whole run: out.png, out_1.png, out_2.png, ...
std::string output_path(const std::string& base, std::size_t k) {
  if (k == 0) return base;
  const std::filesystem::path p(base);
  return (p.parent_path() / (p.stem().string() + "_" + std::to_string(k) + p.extension().string()))
      .string();
}

Prediction parse_prediction_flag(const std::string& text) {
  if (text == "eps" || text == "epsilon") return Prediction::Epsilon;
  if (text == "v") return Prediction::V;
  throw InvalidParams("unknown prediction '" + text + "': use eps or v");
}

std::string read_parameters_chunk(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImageError("cannot open '" + path + "'");
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                        std::istreambuf_iterator<char>()};
  const auto text = read_png_text(bytes);
  const auto it = text.find("parameters");
  if (it == text.end()) {
    throw ImageError("'" + path + "' has no A1111 \"parameters\" text chunk to re-run");
  }
  return it->second;
}

// The inpainting flags over --from's keys; each needs --mask (a clear error rather than a flag
// that silently does nothing).
template <typename Given>
void apply_inpaint_flags(const Flags& f, const Given& given, GenerationParams& p) {
  for (const char* flag : {"--masked-content", "--inpaint-area", "--inpaint-padding",
                           "--mask-overlay", "--latent-mask"}) {
    if (given(flag) && f.mask.empty()) {
      throw InvalidParams(std::string(flag) + " needs --mask (it only applies to inpainting)");
    }
  }
  if (given("--masked-content")) p.masked_content = parse_masked_content(f.masked_content);
  if (given("--inpaint-area")) p.inpaint_area = parse_inpaint_area(f.inpaint_area);
  if (given("--inpaint-padding")) p.inpaint_padding = f.inpaint_padding;
  p.mask_overlay = f.mask_overlay;
  if (f.latent_mask == "a1111") {
    p.latent_mask_style = LatentMaskStyle::A1111;
  } else if (f.latent_mask == "a1111-rounded") {
    p.latent_mask_style = LatentMaskStyle::A1111Rounded;
  } else if (f.latent_mask != "comfyui") {
    throw InvalidParams("unknown latent mask '" + f.latent_mask +
                        "': use comfyui, a1111 or a1111-rounded");
  }
}

// Defaults, then --from's parameters, then every flag given explicitly.
GenerationParams build_params(const Flags& f, const CLI::App& cmd) {
  GenerationParams p;
  auto given = [&](const char* name) { return cmd.get_option(name)->count() > 0; };
  p.sampler = f.sampler;
  p.scheduler = f.scheduler;
  p.seed = f.seed;
  p.rng = sampling::parse_rng_kind(f.rng);
  if (!f.from.empty()) {
    const A1111Parameters infotext = parse_a1111_parameters(read_parameters_chunk(f.from));
    apply_a1111(infotext, p);
    // The mask is not stored in the PNG (A1111 does not either): an inpainting run is re-run
    // only with its mask given again, never silently as a plain img2img.
    if (infotext.get("Mask blur") && f.mask.empty()) {
      throw InvalidParams("'" + f.from +
                          "' is from an inpainting run: give its init image and mask again "
                          "with -i and --mask");
    }
  }
  if (given("--prompt") || f.from.empty()) p.prompt = f.prompt;
  if (given("--negative-prompt")) p.negative_prompt = f.negative;
  if (given("--width") || f.from.empty()) p.width = f.width;
  if (given("--height") || f.from.empty()) p.height = f.height;
  if (given("--steps") || f.from.empty()) p.steps = f.steps;
  if (given("--cfg-scale") || f.from.empty()) p.cfg_scale = f.cfg;
  if (given("--seed")) p.seed = f.seed;
  if (given("--sampler")) p.sampler = f.sampler;
  if (given("--scheduler")) p.scheduler = f.scheduler;
  if (given("--batch-size") || f.from.empty()) p.batch_size = f.batch_size;
  if (given("--strength") || f.from.empty()) p.strength = f.strength;
  if (given("--rng")) p.rng = sampling::parse_rng_kind(f.rng);
  p.sde_noise = sampling::parse_sde_noise_kind(f.sde_noise);
  p.text_cleanup = text::parse_text_cleanup(f.text_cleanup);  // not in the PNG's parameters
  p.batch_count = f.batch_count;
  p.threads = f.threads;
  p.compute = parse_compute_type(f.type);
  if (!f.prediction.empty()) p.prediction = parse_prediction_flag(f.prediction);
  if (!f.init_image.empty()) p.init_image = read_image_file(f.init_image);
  if (!f.mask.empty()) p.mask = mask_from_image(read_image_file(f.mask));
  cli::apply_variation_hires_flags(f.variation_hires, cmd, p);
  apply_inpaint_flags(f, given, p);
  return p;
}

void run(const Flags& f, const CLI::App& cmd) {
  GenerationParams params;
  try {
    params = build_params(f, cmd);
    validate(params, {}, cli::esrgan_upscaler_names(false));
    // An ESRGAN upscaler not installed fails here, before the checkpoint loads.
    if (params.hires) cli::require_esrgan_installed(params.hires->upscaler);
  } catch (const ImageError& e) {
    std::fprintf(stderr, "pixforge: error: %s\n", e.what());
    std::exit(kExitImage);
  } catch (const std::invalid_argument& e) {  // InvalidParams, unknown rng name
    std::fprintf(stderr, "pixforge: error: %s\n", e.what());
    std::exit(kExitInvalidParams);
  } catch (const std::runtime_error& e) {  // a hires upscaler model that is not installed
    std::fprintf(stderr, "pixforge: error: %s\n", e.what());
    std::exit(kExitModel);
  }
  if (f.model.empty()) {
    std::fprintf(stderr, "pixforge: error: --model is required\n");
    std::exit(kExitInvalidParams);
  }
  params.seed = resolve_seed(params.seed);

  std::shared_ptr<const Model> model;
  try {
    ModelOptions mo;
    mo.vocab_path = f.vocab;
    model = Model::load(f.model, model_options_for(params, mo));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pixforge: error: %s\n", e.what());
    std::exit(kExitModel);
  }

  cli::ProgressBar bar(stderr, isatty(fileno(stderr)) != 0);
  GenerateOptions go;
  go.cancel = &g_cancel;
  go.previews = false;  // nothing on a terminal shows them
  go.upscalers = cli::esrgan_upscalers(model->backend(), false);
  go.on_progress = [&](const Progress& pr) {
    bar.update(pr.run, pr.runs, pr.step, pr.steps, pr.elapsed);
    return true;
  };
  std::signal(SIGINT, on_sigint);
  std::vector<GeneratedImage> images;
  try {
    images = generate(*model, params, go);
  } catch (const Cancelled&) {
    bar.finish();
    std::fprintf(stderr, "pixforge: cancelled\n");
    std::exit(kExitCancelled);
  }
  bar.finish();
  for (std::size_t k = 0; k < images.size(); ++k) {
    const std::string path = output_path(f.output, k);
    EncodeOptions eo;
    eo.png_text = {{"parameters", format_a1111_parameters(images[k].parameters)}};
    try {
      write_image_file(path, images[k].image, eo);
    } catch (const ImageError& e) {
      std::fprintf(stderr, "pixforge: error: %s\n", e.what());
      std::exit(kExitImage);
    }
    std::printf("%s (seed %lld)\n", path.c_str(), static_cast<long long>(images[k].seed));
  }
}

void setup(CLI::App& app) {
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand(
      "generate",
      "Generate images from a prompt (txt2img), an init image (img2img) or an init image and a "
      "mask (inpainting)");
  cmd->footer(
      "Outputs: image k of the run (batch count x batch size, in order) goes to OUTPUT for k = 0\n"
      "and OUTPUT with _k before the extension otherwise (out.png, out_1.png, ...). The format\n"
      "follows the extension (.png, .jpg, .webp); PNG files carry the A1111 \"parameters\" text\n"
      "chunk (read back by --from), JPEG and WebP carry no metadata.\n"
      "Exit status: 0 done, 1 unexpected error, 2 invalid parameters, 3 model could not be\n"
      "loaded, 4 image could not be read or written, 130 cancelled (Ctrl-C, between steps).");
  cmd->add_option("-m,--model", f->model,
                  "Checkpoint: .safetensors/.ckpt file or diffusers folder");
  cmd->add_option("-p,--prompt", f->prompt, "Prompt (A1111/ComfyUI weighting syntax)");
  cmd->add_option("-n,--negative-prompt", f->negative, "Negative prompt");
  cmd->add_option("-W,--width", f->width, "Image width, multiple of 8 (64..4096)")
      ->capture_default_str();
  cmd->add_option("-H,--height", f->height, "Image height, multiple of 8 (64..4096)")
      ->capture_default_str();
  cmd->add_option("--steps", f->steps, "Sampling steps, 1..1000")->capture_default_str();
  cmd->add_option("--cfg-scale", f->cfg, "Classifier-free guidance scale")->capture_default_str();
  cmd->add_option("-s,--seed", f->seed, "Seed; -1 picks a random one")->capture_default_str();
  cmd->add_option("--sampler", f->sampler,
                  "euler, euler_ancestral, heun, dpm_2, dpm_2_ancestral, dpmpp_2s_ancestral, "
                  "dpmpp_sde, dpmpp_2m, dpmpp_2m_sde, lcm, ddim")
      ->capture_default_str();
  cmd->add_option("--scheduler", f->scheduler,
                  "normal, karras, exponential, sgm_uniform, simple, ddim_uniform, beta, "
                  "linear_quadratic, kl_optimal")
      ->capture_default_str();
  cmd->add_option("-b,--batch-count", f->batch_count, "Runs, one after another, seed + 1 each")
      ->capture_default_str();
  cmd->add_option("--batch-size", f->batch_size, "Images per run (one noise draw, same seed)")
      ->capture_default_str();
  cmd->add_option("-i,--init-image", f->init_image, "Init image for img2img (PNG, JPEG, WebP)");
  cmd->add_option("--mask", f->mask,
                  "Inpainting mask for -i, the init image's size: white (or transparent, when it "
                  "has alpha) is repainted, black kept, grey blends (ComfyUI's latent noise mask)");
  cmd->add_option("--masked-content", f->masked_content,
                  "With --mask, what the masked area starts from (A1111's \"Masked content\"): "
                  "original (the init image; ComfyUI's latent noise mask), fill (colours blurred "
                  "in from around the mask), latent-noise (the seed's noise), latent-nothing "
                  "(a zero latent)")
      ->capture_default_str();
  cmd->add_option("--inpaint-area", f->inpaint_area,
                  "With --mask: whole (sample the whole init image at -W x -H) or masked "
                  "(A1111's \"Only masked\": sample the box around the mask, grown by "
                  "--inpaint-padding and to the -W:-H aspect ratio, at -W x -H, and paste it back "
                  "with the mask as transparency; the output keeps the init image's size)")
      ->capture_default_str();
  cmd->add_option("--inpaint-padding", f->inpaint_padding,
                  "With --inpaint-area masked: pixels added around the mask's box, 0..4096")
      ->capture_default_str();
  cmd->add_flag("--mask-overlay", f->mask_overlay,
                "With --mask: paste the init image back over the output outside the mask (A1111 "
                "does; with --inpaint-area masked it always happens), so unmasked pixels stay "
                "exactly as they were");
  cmd->add_option("--latent-mask", f->latent_mask,
                  "With --mask, how the mask is scaled to the latent: comfyui (bilinear, "
                  "fractions kept), a1111 (bicubic from -W x -H, as A1111) or a1111-rounded (then "
                  "rounded to 0/1: A1111's default mask_round)")
      ->capture_default_str();
  cmd->add_option("--strength", f->strength, "img2img denoising strength, (0, 1]")
      ->capture_default_str();
  cmd->add_option("--rng", f->rng, "Noise: cpu (torch CPU, as ComfyUI) or cuda (Philox, as A1111)")
      ->capture_default_str();
  cmd->add_option("--sde-noise", f->sde_noise,
                  "dpmpp_sde/dpmpp_2m_sde noise: brownian (ComfyUI's Brownian tree, seeded by the "
                  "seed) or gaussian (an independent draw per step)")
      ->capture_default_str();
  cmd->add_option("--text-cleanup", f->text_cleanup,
                  "Prompt text cleanup before CLIP tokenizing: comfyui (transformers without "
                  "ftfy, as a bare ComfyUI), hf-ftfy (transformers with ftfy, as A1111 SD1) or "
                  "openai (OpenAI/open_clip, as A1111 SD2)")
      ->capture_default_str();
  cmd->add_option("--prediction", f->prediction, "Override the detected prediction: eps or v");
  cmd->add_option("--threads", f->threads, "CPU threads; 0 uses all cores")->capture_default_str();
  cmd->add_option("--type", f->type, "Compute type: f32 (exact) or bf16 (fast)")
      ->capture_default_str();
  cmd->add_option("--vocab", f->vocab, "CLIP vocabulary (bpe_simple_vocab_16e6.txt.gz or folder)");
  cmd->add_option("-o,--output", f->output, "Output image path")->capture_default_str();
  cmd->add_option("--from", f->from,
                  "Re-run from a PNG's parameters chunk; flags given explicitly override it");
  cli::add_variation_hires_flags(*cmd, f->variation_hires);
  cmd->callback([f, cmd] { run(*f, *cmd); });
}

PIXFORGE_COMMAND("generate", setup);

}  // namespace
