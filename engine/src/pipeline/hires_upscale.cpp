#include "pixforge/pipeline/hires_upscale.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "pixforge/core/ops.h"
#include "pixforge/image/convert.h"
#include "pixforge/nn/vae.h"
#include "pixforge/pipeline/generation_params.h"
#include "pixforge/pipeline/latent_upscale.h"

namespace pixforge::pipeline {
namespace {

Image resize_to(const Image& image, int width, int height, ResizeFilter filter) {
  if (image.width == width && image.height == height) return image;
  return resize_image(image, width, height, filter);
}

// A1111's Upscaler.upscale: up to three passes of the upscaler (a filter pass resizes by the
// scale, int(side * scale); a model pass by its own) while the picture is smaller than the
// multiple of 8 below side * scale, stopping when a pass changes nothing; then Lanczos to
// that size when the passes missed it.
Image a1111_upscale(const Image& image, double scale, const ModelUpscaler& pass) {
  const int dest_w = std::max(1, static_cast<int>(std::floor(image.width * scale / 8)) * 8);
  const int dest_h = std::max(1, static_cast<int>(std::floor(image.height * scale / 8)) * 8);
  Image out = image;
  for (int i = 0; i < 3; ++i) {
    if (out.width >= dest_w && out.height >= dest_h) break;
    const int w = out.width, h = out.height;
    out = pass(out);
    if (out.width == w && out.height == h) break;
  }
  return resize_to(out, dest_w, dest_h, ResizeFilter::Lanczos3);
}

// Rows/columns cropped as sample_hr_pass does: truncate // 2 before, (truncate + 1) // 2 after.
Tensor crop_latent(const Tensor& x, int truncate_x, int truncate_y) {
  if (truncate_x == 0 && truncate_y == 0) return x;
  const Shape& s = x.shape();
  const std::int64_t n = s[0], h = s[1], w = s[2], c = s[3];
  const std::int64_t y0 = truncate_y / 2, y1 = h - (truncate_y + 1) / 2;
  const std::int64_t x0 = truncate_x / 2, x1 = w - (truncate_x + 1) / 2;
  const std::vector<float> v = x.to_host();
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(n * (y1 - y0) * (x1 - x0) * c));
  for (std::int64_t b = 0; b < n; ++b) {
    for (std::int64_t y = y0; y < y1; ++y) {
      const auto row = v.begin() + static_cast<std::ptrdiff_t>(((b * h + y) * w + x0) * c);
      out.insert(out.end(), row, row + static_cast<std::ptrdiff_t>((x1 - x0) * c));
    }
  }
  return Tensor::from_host(x.backend(), Shape{n, y1 - y0, x1 - x0, c}, out);
}

}  // namespace

Image upscale_picture(const Image& image, int width, int height, const std::string& upscaler,
                      const ModelUpscalers& models) {
  if (upscaler == "None") return resize_to(image, width, height, ResizeFilter::Lanczos3);
  const double scale = std::max(static_cast<double>(width) / image.width,
                                static_cast<double>(height) / image.height);
  ModelUpscaler pass;
  if (upscaler == "Lanczos" || upscaler == "Nearest") {
    const ResizeFilter filter =
        upscaler == "Lanczos" ? ResizeFilter::Lanczos3 : ResizeFilter::Nearest;
    pass = [scale, filter](const Image& im) {
      return resize_to(im, static_cast<int>(im.width * scale), static_cast<int>(im.height * scale),
                       filter);
    };
  } else if (const auto it = models.find(upscaler); it != models.end()) {
    pass = it->second;
  } else {
    throw InvalidParams("hires upscaler '" + upscaler + "' is not supported");
  }
  return resize_to(a1111_upscale(image, scale, pass), width, height, ResizeFilter::Lanczos3);
}

Tensor hires_upscale(const Model& model, const Tensor& latents, const HiresFix& hires,
                     const HiresTarget& target, const ModelUpscalers& models) {
  const int lh = target.upscale_height / 8, lw = target.upscale_width / 8;
  if (const auto mode = find_latent_upscale_mode(hires.upscaler)) {
    return crop_latent(interpolate_nhwc(latents, lh, lw, *mode, model.backend()), target.truncate_x,
                       target.truncate_y);
  }
  // Pixel space. The picture is resized to the latent's size * 8: A1111 resizes to the exact
  // target and its VAE floors a side that is not a multiple of 8; ours needs multiples of 8.
  const float scale = model.latent_scale();
  std::vector<Tensor> encoded;
  for (std::int64_t i = 0; i < latents.dim(0); ++i) {
    const Tensor pixels =
        model.vae().decode(ops::scale_bias(latents.slice0(i, i + 1), 1.0f / scale));
    const Image first = tensor_to_image(pixels, 0, PixelRange::MinusOneToOne);
    const Image up = upscale_picture(first, lw * 8, lh * 8, hires.upscaler, models);
    const Tensor t = image_to_tensor(model.backend(), up, PixelRange::MinusOneToOne);
    encoded.push_back(ops::scale_bias(model.vae().encode(t), scale));
  }
  Tensor out = encoded.front();
  for (std::size_t i = 1; i < encoded.size(); ++i) out = ops::concat({out, encoded[i]}, 0);
  return crop_latent(out, target.truncate_x, target.truncate_y);
}

}  // namespace pixforge::pipeline
