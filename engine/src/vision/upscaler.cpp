// ESRGAN upscaling with tiles blended across their overlap (upscaler.h).
#include "pixforge/vision/upscaler.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "pixforge/core/ops.h"
#include "pixforge/image/convert.h"
#include "pixforge/tfjs/layers_model.h"
#include "pixforge/vision/models_dir.h"

namespace pixforge::vision {
namespace {

// Tile origins along one axis: every `tile - overlap` pixels, the last one flush with the end.
std::vector<int> tile_starts(int size, int tile, int overlap) {
  if (size <= tile) return {0};
  std::vector<int> starts;
  for (int p = 0; p + tile < size; p += tile - overlap) starts.push_back(p);
  starts.push_back(size - tile);
  return starts;
}

// Blend weight of output offset u in a tile of `len` output pixels: ramps up from an inner
// left/top edge and down to an inner right/bottom edge over `ramp` pixels.
float ramp_weight(int u, int len, int ramp, bool inner_start, bool inner_end) {
  float w = 1.0f;
  if (ramp > 0 && inner_start) w = std::min(w, (static_cast<float>(u) + 0.5f) / static_cast<float>(ramp));
  if (ramp > 0 && inner_end) w = std::min(w, (static_cast<float>(len - u) - 0.5f) / static_cast<float>(ramp));
  return std::max(w, 1e-3f);
}

}  // namespace

std::string_view upscaler_model_name(UpscalerModel m) {
  switch (m) {
    case UpscalerModel::Slim: return "slim";
    case UpscalerModel::Medium: return "medium";
    case UpscalerModel::Thick: return "thick";
  }
  return "slim";
}

UpscalerModel parse_upscaler_model(std::string_view name) {
  for (auto m : {UpscalerModel::Slim, UpscalerModel::Medium, UpscalerModel::Thick}) {
    if (upscaler_model_name(m) == name) return m;
  }
  throw std::invalid_argument("unknown upscaler model \"" + std::string(name) + "\" (slim, medium, thick)");
}

Upscaler::Upscaler(UpscalerModel model, int scale, Backend& backend, const std::string& dir)
    : model_(model), scale_(scale), backend_(&backend) {
  if (scale != 2 && scale != 3 && scale != 4 && scale != 8) {
    throw std::invalid_argument("upscale factor " + std::to_string(scale) + " is not available (2, 3, 4, 8)");
  }
  const std::string rel = "upscaler/" + std::string(upscaler_model_name(model)) + "/x" + std::to_string(scale) +
                          "/model.json";
  net_ = std::make_unique<tfjs::LayersModel>(
      tfjs::LayersModel::load(require_model_file(rel, "upscaler", dir), backend));
}

Upscaler::~Upscaler() = default;
Upscaler::Upscaler(Upscaler&&) noexcept = default;

Tensor Upscaler::run(const Tensor& rgb255) const {
  if (model_ != UpscalerModel::Thick) return net_->run(rgb255);
  // RRDN works in 0-1.
  return ops::scale_bias(net_->run(ops::scale_bias(rgb255, 1.0f / 255.0f)), 255.0f);
}

double Upscaler::macs(int h, int w) const { return net_->conv_macs(h, w); }

Image Upscaler::upscale(const Image& image, const TileOptions& o) const {
  const Image rgb = image.channels == 4 ? to_rgb(image) : image;
  if (rgb.channels != 3 || rgb.width <= 0 || rgb.height <= 0) {
    throw std::invalid_argument("upscale: needs an RGB or RGBA image");
  }
  if (o.tile < 16 || o.overlap < 0 || 2 * o.overlap >= o.tile) {
    throw std::invalid_argument("upscale: tile must be >= 16 and more than twice the overlap");
  }
  const int s = scale_, W = rgb.width, H = rgb.height;
  const std::int64_t OW = std::int64_t{W} * s, OH = std::int64_t{H} * s;
  std::vector<float> acc(static_cast<std::size_t>(OW * OH * 3), 0.0f);
  std::vector<float> wsum(static_cast<std::size_t>(OW * OH), 0.0f);
  const std::vector<int> xs = tile_starts(W, o.tile, o.overlap), ys = tile_starts(H, o.tile, o.overlap);
  const int total = static_cast<int>(xs.size() * ys.size());
  int done = 0;
  std::vector<float> in;
  for (int y0 : ys) {
    for (int x0 : xs) {
      const int tw = std::min(o.tile, W), th = std::min(o.tile, H);
      in.resize(static_cast<std::size_t>(tw) * th * 3);
      for (int y = 0; y < th; ++y) {
        const std::uint8_t* row = rgb.row(y0 + y) + std::size_t{3} * x0;
        for (int i = 0; i < tw * 3; ++i) in[static_cast<std::size_t>(y) * tw * 3 + i] = row[i];
      }
      const Tensor out = run(Tensor::from_host(*backend_, Shape{1, th, tw, 3}, in));
      const std::vector<float> v = out.to_host();
      const int ow = tw * s, oh = th * s, ramp = o.overlap * s;
      for (int v_ = 0; v_ < oh; ++v_) {
        const float wy = ramp_weight(v_, oh, ramp, y0 > 0, y0 + th < H);
        const std::int64_t gy = std::int64_t{y0} * s + v_;
        for (int u = 0; u < ow; ++u) {
          const float w = wy * ramp_weight(u, ow, ramp, x0 > 0, x0 + tw < W);
          const std::int64_t g = gy * OW + std::int64_t{x0} * s + u;
          const float* px = &v[(static_cast<std::size_t>(v_) * ow + u) * 3];
          for (int c = 0; c < 3; ++c) acc[static_cast<std::size_t>(g * 3 + c)] += w * px[c];
          wsum[static_cast<std::size_t>(g)] += w;
        }
      }
      if (o.progress) o.progress(++done, total);
    }
  }
  Image result = Image::blank(static_cast<int>(OW), static_cast<int>(OH), 3);
  for (std::int64_t g = 0; g < OW * OH; ++g) {
    const float inv = 1.0f / wsum[static_cast<std::size_t>(g)];
    for (int c = 0; c < 3; ++c) {
      const float val = std::round(acc[static_cast<std::size_t>(g * 3 + c)] * inv);
      result.pixels[static_cast<std::size_t>(g * 3 + c)] =
          static_cast<std::uint8_t>(std::clamp(val, 0.0f, 255.0f));
    }
  }
  return result;
}

int scale_for_4k(int width, int height, bool fill) {
  const double sx = 3840.0 / width, sy = 2160.0 / height;
  const double need = fill ? std::max(sx, sy) : std::min(sx, sy);
  for (int s : {2, 3, 4, 8}) {
    if (s >= need) return s;
  }
  return 8;
}

Image to_4k(const Image& image, bool fill) {
  constexpr int kW = 3840, kH = 2160;
  const double sx = static_cast<double>(kW) / image.width, sy = static_cast<double>(kH) / image.height;
  const double k = fill ? std::max(sx, sy) : std::min(sx, sy);
  const int rw = std::max(1, static_cast<int>(std::lround(image.width * k)));
  const int rh = std::max(1, static_cast<int>(std::lround(image.height * k)));
  const Image resized = resize_image(image.channels == 4 ? to_rgb(image) : image, fill ? std::max(rw, kW) : std::min(rw, kW),
                                     fill ? std::max(rh, kH) : std::min(rh, kH), ResizeFilter::Lanczos3);
  Image out = Image::blank(kW, kH, 3);
  // Fill: crop the centre of the cover-sized image; fit: centre it on black.
  const int ox = (resized.width - kW) / 2, oy = (resized.height - kH) / 2;
  for (int y = 0; y < kH; ++y) {
    const int sy_ = y + oy;
    if (sy_ < 0 || sy_ >= resized.height) continue;
    for (int x = 0; x < kW; ++x) {
      const int sx_ = x + ox;
      if (sx_ < 0 || sx_ >= resized.width) continue;
      for (int c = 0; c < 3; ++c) out.row(y)[x * 3 + c] = resized.row(sy_)[sx_ * 3 + c];
    }
  }
  return out;
}

}  // namespace pixforge::vision
