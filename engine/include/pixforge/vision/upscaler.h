// Super-resolution (F6) with the @upscalerjs ESRGAN models: RDN "slim" and "medium" (inputs
// and outputs 0-255) and RRDN "thick" (0-1), each at x2/x3/x4/x8.
//
// Large images run in tiles with overlapping borders, blended with linear ramps across the
// overlap, so memory is bounded by the tile size and the output, whatever the input size.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "pixforge/core/backend.h"
#include "pixforge/image/image.h"

namespace pixforge::tfjs {
class LayersModel;
}

namespace pixforge::vision {

enum class UpscalerModel { Slim, Medium, Thick };
std::string_view upscaler_model_name(UpscalerModel m);
UpscalerModel parse_upscaler_model(std::string_view name);  // throws naming the value

struct TileOptions {
  int tile = 128;    // input pixels per tile side (the last tile in a row/column may be smaller)
  int overlap = 16;  // input pixels shared by neighbouring tiles (blended)
  // Called after each tile: (tiles done, tiles in total).
  std::function<void(int, int)> progress;
};

class Upscaler {
 public:
  // Loads models/upscaler/<model>/x<scale>/model.json from `models_dir` (default: models_dir()).
  Upscaler(UpscalerModel model, int scale, Backend& backend, const std::string& models_dir = "");
  ~Upscaler();
  Upscaler(Upscaler&&) noexcept;

  int scale() const { return scale_; }
  UpscalerModel model() const { return model_; }

  // One pass over a whole NHWC [1, H, W, 3] tensor in 0-255 (any model; "thick" is rescaled
  // internally); returns [1, H*s, W*s, 3] in 0-255, unclamped.
  Tensor run(const Tensor& rgb255) const;
  // Tiled upscale of an 8-bit image (RGBA: alpha is dropped over white).
  Image upscale(const Image& image, const TileOptions& options = {}) const;
  // Multiply-accumulates of one pass over an h x w input (for benchmarks).
  double macs(int h, int w) const;

 private:
  UpscalerModel model_;
  int scale_;
  Backend* backend_;
  std::unique_ptr<tfjs::LayersModel> net_;
};

// The model scale (2, 3, 4 or 8) that brings (w, h) to at least 3840x2160 when filling (both
// sides cover) or fitting (one side reaches, the other fits inside); 8 when even x8 falls short.
int scale_for_4k(int width, int height, bool fill);
// Resizes an upscaled image to exactly 3840x2160: fill scales to cover and crops the centre;
// fit scales to fit inside and pads with black bars.
Image to_4k(const Image& image, bool fill);

}  // namespace pixforge::vision
