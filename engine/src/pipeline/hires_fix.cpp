#include "pixforge/pipeline/hires_fix.h"

#include <algorithm>

#include "pixforge/pipeline/latent_upscale.h"

namespace pixforge::pipeline {

HiresTarget hires_target(int width, int height, const HiresFix& h) {
  HiresTarget t;
  if (h.resize_x == 0 && h.resize_y == 0) {
    // int(width * hr_scale): truncation toward zero, as Python's int()
    t.upscale_width = static_cast<int>(width * h.scale);
    t.upscale_height = static_cast<int>(height * h.scale);
  } else if (h.resize_y == 0) {
    t.upscale_width = h.resize_x;
    t.upscale_height = h.resize_x * height / width;
  } else if (h.resize_x == 0) {
    t.upscale_width = h.resize_y * width / height;
    t.upscale_height = h.resize_y;
  } else {
    const double src_ratio = static_cast<double>(width) / height;
    const double dst_ratio = static_cast<double>(h.resize_x) / h.resize_y;
    if (src_ratio < dst_ratio) {
      t.upscale_width = h.resize_x;
      t.upscale_height = h.resize_x * height / width;
    } else {
      t.upscale_width = h.resize_y * width / height;
      t.upscale_height = h.resize_y;
    }
    // (upscale - target) // 8; both are >= 0 here, so C++ division floors as Python's.
    t.truncate_x = (t.upscale_width - h.resize_x) / 8;
    t.truncate_y = (t.upscale_height - h.resize_y) / 8;
  }
  t.width = (t.upscale_width / 8 - t.truncate_x) * 8;
  t.height = (t.upscale_height / 8 - t.truncate_y) * 8;
  return t;
}

const std::vector<std::string>& pixel_upscaler_names() {
  static const std::vector<std::string> names = {"None", "Lanczos", "Nearest"};
  return names;
}

std::vector<std::string> hires_upscaler_names() {
  std::vector<std::string> out = latent_upscale_mode_names();
  const auto& pixel = pixel_upscaler_names();
  out.insert(out.end(), pixel.begin(), pixel.end());
  return out;
}

bool is_hires_upscaler(std::string_view name) {
  const auto names = hires_upscaler_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace pixforge::pipeline
