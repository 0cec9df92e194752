// Selfie segmentation (selfie.h).
#include "pixforge/vision/selfie.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "pixforge/image/convert.h"
#include "pixforge/tfjs/graph_model.h"
#include "pixforge/vision/models_dir.h"

namespace pixforge::vision {
namespace {

std::uint8_t to_byte(float v) {
  return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
}

}  // namespace

float SegmentationMask::coverage(float threshold) const {
  if (values.empty()) return 0.0f;
  const auto n =
      std::count_if(values.begin(), values.end(), [&](float v) { return v >= threshold; });
  return static_cast<float>(n) / static_cast<float>(values.size());
}

SelfieSegmenter::SelfieSegmenter(Backend& backend, const std::string& dir) : backend_(&backend) {
  net_ = std::make_unique<tfjs::GraphModel>(
      tfjs::GraphModel::load(require_model_file("faces/selfie.json", "faces", dir), backend));
}

SelfieSegmenter::~SelfieSegmenter() = default;

Tensor SelfieSegmenter::run(const Tensor& x) const {
  if (x.rank() != 4 || x.dim(0) != 1 || x.dim(1) != kSelfieInput || x.dim(2) != kSelfieInput ||
      x.dim(3) != 3) {
    throw std::invalid_argument("selfie: input must be [1, 256, 256, 3], got " + x.shape().str());
  }
  // activation_10: the sigmoid after the final transposed convolution.
  return net_->run(x, {"activation_10"})[0];
}

SegmentationMask SelfieSegmenter::segment(const Image& image) const {
  if (image.width <= 0 || image.height <= 0) throw std::invalid_argument("selfie: empty image");
  const Image rgb = resize_image(image.channels == 4 ? to_rgb(image) : image, kSelfieInput,
                                 kSelfieInput, ResizeFilter::Area);
  const std::vector<float> m =
      run(image_to_tensor(*backend_, rgb, PixelRange::ZeroToOne)).to_host();
  SegmentationMask out;
  out.width = image.width;
  out.height = image.height;
  out.values = resize_map(m, kSelfieInput, kSelfieInput, image.width, image.height);
  return out;
}

std::vector<float> resize_map(const std::vector<float>& map, int w, int h, int nw, int nh) {
  if (w <= 0 || h <= 0 || nw <= 0 || nh <= 0 || map.size() != static_cast<std::size_t>(w) * h) {
    throw std::invalid_argument("resize_map: bad sizes");
  }
  // Source coordinate of destination index j along an axis: (j + 0.5)·n/m - 0.5, clamped.
  auto taps = [](int j, int n, int m, int& i0, int& i1, float& f) {
    const float src = std::max(
        (static_cast<float>(j) + 0.5f) * static_cast<float>(n) / static_cast<float>(m) - 0.5f,
        0.0f);
    i0 = std::min(static_cast<int>(src), n - 1);
    i1 = std::min(i0 + 1, n - 1);
    f = src - static_cast<float>(i0);
  };
  std::vector<float> out(static_cast<std::size_t>(nw) * nh);
  for (int y = 0; y < nh; ++y) {
    int y0, y1;
    float fy;
    taps(y, h, nh, y0, y1, fy);
    for (int x = 0; x < nw; ++x) {
      int x0, x1;
      float fx;
      taps(x, w, nw, x0, x1, fx);
      auto at = [&](int yy, int xx) { return map[static_cast<std::size_t>(yy) * w + xx]; };
      const float top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
      const float bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
      out[static_cast<std::size_t>(y) * nw + x] = top + (bottom - top) * fy;
    }
  }
  return out;
}

Image mask_image(const SegmentationMask& mask) {
  Image out = Image::blank(mask.width, mask.height, 3);
  for (std::size_t i = 0; i < mask.values.size(); ++i) {
    const std::uint8_t v = to_byte(mask.values[i]);
    out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = v;
  }
  return out;
}

Image cutout(const Image& image, const SegmentationMask& mask) {
  if (image.width != mask.width || image.height != mask.height) {
    throw std::invalid_argument("cutout: mask size differs from the image");
  }
  Image out = to_rgba(image.channels == 4 ? to_rgb(image) : image);
  for (std::size_t i = 0; i < mask.values.size(); ++i)
    out.pixels[4 * i + 3] = to_byte(mask.values[i]);
  return out;
}

}  // namespace pixforge::vision
