#include "pixforge/image/convert.h"

#include <algorithm>
#include <string>
#include <vector>

namespace pixforge {

Tensor image_to_tensor(Backend& backend, const Image& image, PixelRange range) {
  const Image rgb = to_rgb(image);
  std::vector<float> values(rgb.pixels.size());
  const bool signed_range = range == PixelRange::MinusOneToOne;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float v = static_cast<float>(rgb.pixels[i]) / 255.0f;
    values[i] = signed_range ? v * 2.0f - 1.0f : v;
  }
  return Tensor::from_host(backend, Shape{1, rgb.height, rgb.width, 3}, values);
}

Image rgb_from_floats(const float* nhwc, int width, int height, PixelRange range) {
  Image image = Image::blank(width, height, 3);
  const bool signed_range = range == PixelRange::MinusOneToOne;
  for (std::size_t i = 0; i < image.pixels.size(); ++i) {
    float v = signed_range ? (nhwc[i] + 1.0f) / 2.0f : nhwc[i];
    v = std::clamp(v, 0.0f, 1.0f);
    // clamp lets NaN through, and casting NaN to an integer is undefined: map it to black.
    if (!(v >= 0.0f)) v = 0.0f;
    image.pixels[i] = static_cast<std::uint8_t>(255.0f * v);  // truncation, as ComfyUI
  }
  return image;
}

Image tensor_to_image(const Tensor& nhwc, int index, PixelRange range) {
  if (nhwc.rank() != 4 || nhwc.dim(3) != 3) {
    throw ImageError("tensor_to_image expects an NHWC [N, H, W, 3] tensor, got " +
                     nhwc.shape().str());
  }
  if (index < 0 || index >= nhwc.dim(0)) {
    throw ImageError("tensor_to_image: image index " + std::to_string(index) +
                     " out of range for " + nhwc.shape().str());
  }
  const std::vector<float> values = nhwc.slice0(index, index + 1).to_host();
  return rgb_from_floats(values.data(), static_cast<int>(nhwc.dim(2)),
                         static_cast<int>(nhwc.dim(1)), range);
}

}  // namespace pixforge
