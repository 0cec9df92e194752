#include "a1111_mask.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace pixforge::service {
namespace {

std::vector<double> gaussian_kernel(int sigma) {
  const int size = 2 * static_cast<int>(2.5 * sigma + 0.5) + 1;
  std::vector<double> k(static_cast<std::size_t>(size));
  const double centre = (size - 1) / 2.0;
  double sum = 0;
  for (int i = 0; i < size; ++i) {
    const double d = i - centre;
    k[static_cast<std::size_t>(i)] = std::exp(-d * d / (2.0 * sigma * sigma));
    sum += k[static_cast<std::size_t>(i)];
  }
  for (auto& w : k) w /= sum;
  return k;
}

// cv2's BORDER_REFLECT_101: ... 2 1 | 0 1 2 ... n-1 | n-2 n-3 ...
int reflect101(int i, int n) {
  if (n == 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

// One pass along rows (dx = 1) or columns (dx = 0) of a one-channel plane.
void blur_pass(std::vector<double>& plane, int w, int h, int sigma, bool along_x) {
  if (sigma <= 0) return;
  const std::vector<double> k = gaussian_kernel(sigma);
  const int r = static_cast<int>(k.size() / 2);
  std::vector<double> out(plane.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double acc = 0;
      for (int t = -r; t <= r; ++t) {
        const int sx = along_x ? reflect101(x + t, w) : x;
        const int sy = along_x ? y : reflect101(y + t, h);
        acc += k[static_cast<std::size_t>(t + r)] *
               plane[static_cast<std::size_t>(sy) * static_cast<std::size_t>(w) +
                     static_cast<std::size_t>(sx)];
      }
      out[static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)] =
          acc;
    }
  plane.swap(out);
}

}  // namespace

void blur_mask(Image& mask, int sigma_x, int sigma_y) {
  if (sigma_x <= 0 && sigma_y <= 0) return;
  const std::size_t n =
      static_cast<std::size_t>(mask.width) * static_cast<std::size_t>(mask.height);
  const auto ch = static_cast<std::size_t>(mask.channels);
  std::vector<double> plane(n);
  for (std::size_t i = 0; i < n; ++i) plane[i] = mask.pixels[i * ch];
  blur_pass(plane, mask.width, mask.height, sigma_x, true);
  blur_pass(plane, mask.width, mask.height, sigma_y, false);
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = static_cast<std::uint8_t>(std::lround(std::min(255.0, std::max(0.0, plane[i]))));
    for (std::size_t c = 0; c < ch; ++c) mask.pixels[i * ch + c] = v;
  }
}

}  // namespace pixforge::service
