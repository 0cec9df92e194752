#include "engine_generator.h"

#ifdef PIXFORGE_HAVE_SERVICE

#include <filesystem>

#include "esrgan_upscalers.h"
#include "pixforge/pipeline/generate.h"
#include "pixforge/pipeline/inpaint_mask.h"
#include "pixforge/pipeline/model.h"

namespace pixforge::cli {
namespace {

Image to_engine(const service::Image& in) {
  Image out;
  out.width = in.width;
  out.height = in.height;
  out.channels = in.channels;
  out.pixels = in.pixels;
  return out;
}

service::Image to_service(const Image& in) {
  service::Image out;
  out.width = in.width;
  out.height = in.height;
  out.channels = in.channels;
  out.pixels = in.pixels;
  return out;
}

pipeline::MaskedContent to_pipeline(service::MaskedContent c) {
  switch (c) {
    case service::MaskedContent::Fill:
      return pipeline::MaskedContent::Fill;
    case service::MaskedContent::LatentNoise:
      return pipeline::MaskedContent::LatentNoise;
    case service::MaskedContent::LatentNothing:
      return pipeline::MaskedContent::LatentNothing;
    case service::MaskedContent::Original:
      break;
  }
  return pipeline::MaskedContent::Original;
}

pipeline::GenerationParams to_pipeline(const service::GenerationParams& p) {
  pipeline::GenerationParams g;
  g.prompt = p.prompt;
  g.negative_prompt = p.negative_prompt;
  g.width = p.width;
  g.height = p.height;
  g.steps = p.steps;
  g.cfg_scale = p.cfg_scale;
  g.seed = p.seed;
  g.sampler = p.sampler;
  g.scheduler = p.scheduler;
  g.batch_size = p.batch;  // one noise draw for the whole batch, as ComfyUI
  if (p.init_image) g.init_image = to_engine(*p.init_image);
  // The seam's mask (grey, 255 = regenerate) becomes the engine's latent noise mask; the
  // engine checks it has the init image's size.
  if (p.mask) g.mask = pipeline::mask_from_image(to_engine(*p.mask));
  if (p.mask && p.inpaint) {  // A1111's inpainting conventions (a1111_request.cpp)
    g.masked_content = to_pipeline(p.inpaint->content);
    g.inpaint_area =
        p.inpaint->only_masked ? pipeline::InpaintArea::OnlyMasked : pipeline::InpaintArea::Whole;
    g.inpaint_padding = p.inpaint->padding;
    g.mask_overlay = p.inpaint->overlay;
    g.latent_mask_style = p.inpaint->round_mask ? pipeline::LatentMaskStyle::A1111Rounded
                                                : pipeline::LatentMaskStyle::A1111;
  }
  g.strength = p.strength;
  g.subseed = p.subseed;
  g.subseed_strength = p.subseed_strength;
  g.seed_resize_from_w = p.seed_resize_from_w;
  g.seed_resize_from_h = p.seed_resize_from_h;
  if (p.hires) {
    pipeline::HiresFix h;
    h.scale = p.hires->scale;
    h.resize_x = p.hires->resize_x;
    h.resize_y = p.hires->resize_y;
    h.steps = p.hires->steps;
    h.denoise = p.hires->denoise;
    h.upscaler = p.hires->upscaler;
    h.sampler = p.hires->sampler;
    h.scheduler = p.hires->scheduler;
    h.prompt = p.hires->prompt;
    h.negative_prompt = p.hires->negative_prompt;
    g.hires = h;
  }
  return g;
}

class EngineGenerator final : public service::Generator {
 public:
  explicit EngineGenerator(const std::string& path)
      : model_(pipeline::Model::load(path, pipeline::ModelOptions{})),
        name_(std::filesystem::path(path).stem().string()) {}

  std::string model_name() const override { return name_; }
  std::vector<std::string> samplers() const override { return pipeline::sampler_names(); }
  std::vector<std::string> schedulers() const override { return pipeline::scheduler_names(); }
  bool supports_img2img() const override { return true; }
  // The built-in upscalers and the installed ESRGAN models.
  std::vector<std::string> hires_upscalers() const override {
    std::vector<std::string> out = pipeline::hires_upscaler_names();
    for (auto& name : esrgan_upscaler_names(true)) out.push_back(name);
    return out;
  }
  std::pair<int, int> checked_output_size(const service::GenerationParams& params) const override {
    pipeline::GenerationParams g = to_pipeline(params);
    g.compute = model_->options().compute;
    g.threads = model_->options().threads;
    pipeline::validate(g, {}, esrgan_upscaler_names(true));  // InvalidParams: invalid_argument
    if (!g.hires) return {g.width, g.height};
    const pipeline::HiresTarget t = pipeline::hires_target(g.width, g.height, *g.hires);
    return {t.width, t.height};
  }
  // A1111's short hash (computed at load) and the checkpoint file its full sha256 is computed
  // from (a diffusers folder has neither).
  std::string model_hash() const override { return model_->label().hash; }
  std::string model_file() const override {
    std::error_code ec;
    return std::filesystem::is_regular_file(model_->path(), ec) ? model_->path() : std::string();
  }

  std::vector<service::Image> run(const service::GenerationParams& params,
                                  const std::function<void(const service::Progress&)>& progress,
                                  const std::atomic<bool>& cancel) override {
    pipeline::GenerateOptions options;
    options.cancel = &cancel;
    options.upscalers = upscalers_;
    options.on_progress = [&](const pipeline::Progress& p) {
      service::Progress out;
      out.step = p.run * p.steps + p.step;
      out.total = p.runs * p.steps;
      if (p.preview) out.preview = to_service(*p.preview);
      progress(out);
      return true;
    };
    std::vector<pipeline::GeneratedImage> images;
    try {
      images = pipeline::generate(*model_, to_pipeline(params), options);
    } catch (const pipeline::Cancelled&) {
      throw service::GenerationCancelled();
    }
    std::vector<service::Image> out;
    out.reserve(images.size());
    for (auto& g : images) out.push_back(to_service(g.image));
    return out;
  }

 private:
  std::shared_ptr<const pipeline::Model> model_;
  std::string name_;
  // The installed ESRGAN models as hires upscalers, each loaded on first use and kept.
  pipeline::ModelUpscalers upscalers_ = esrgan_upscalers(model_->backend(), true);
};

}  // namespace

std::unique_ptr<service::Generator> make_engine_generator(const std::string& model_path) {
  return std::make_unique<EngineGenerator>(model_path);
}

}  // namespace pixforge::cli
#endif  // PIXFORGE_HAVE_SERVICE
