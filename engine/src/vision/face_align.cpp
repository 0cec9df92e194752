// Aligned face crops: similarity transforms and bilinear resampling (face_align.h).
#include "pixforge/vision/face_align.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pixforge::vision {
namespace {

void check_crop_size(int n) {
  if (n < 1 || n > 4096)
    throw std::invalid_argument("face crop size " + std::to_string(n) + " is outside 1..4096");
}

// Bilinear sample of channel c at pixel coordinates (x, y) (pixel centres at integers); taps
// outside the image read 0.
float sample(const Image& img, float x, float y, int c) {
  const float fx = std::floor(x), fy = std::floor(y);
  const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
  const float ax = x - fx, ay = y - fy;
  auto at = [&](int xx, int yy) -> float {
    if (xx < 0 || yy < 0 || xx >= img.width || yy >= img.height) return 0.0f;
    return img.row(yy)[xx * img.channels + c];
  };
  const float top = (1 - ax) * at(x0, y0) + ax * at(x0 + 1, y0);
  const float bottom = (1 - ax) * at(x0, y0 + 1) + ax * at(x0 + 1, y0 + 1);
  return (1 - ay) * top + ay * bottom;
}

}  // namespace

std::array<float, 2> FaceAlignment::to_image(float u, float v) const {
  const float s = scale(), h = static_cast<float>(crop_size) / 2;
  const float dx = (u - h) * s, dy = (v - h) * s, c = std::cos(angle), n = std::sin(angle);
  return {center_x + c * dx - n * dy, center_y + n * dx + c * dy};
}

std::array<float, 2> FaceAlignment::to_crop(float x, float y) const {
  const float s = scale(), h = static_cast<float>(crop_size) / 2;
  const float dx = x - center_x, dy = y - center_y, c = std::cos(angle), n = std::sin(angle);
  return {(c * dx + n * dy) / s + h, (-n * dx + c * dy) / s + h};
}

FaceAlignment align_from_detection(const FaceBox& face, int crop_size, float enlarge) {
  check_crop_size(crop_size);
  const float w = face.x1 - face.x0, h = face.y1 - face.y0;
  if (!(w > 0) || !(h > 0) || !(enlarge > 0))
    throw std::invalid_argument("face alignment needs a non-empty box");
  FaceAlignment a;
  a.center_x = (face.x0 + face.x1) / 2;
  a.center_y = (face.y0 + face.y1) / 2;
  a.side = enlarge * std::max(w, h);
  const auto& e0 = face.keypoints[0];
  const auto& e1 = face.keypoints[1];
  a.angle = std::atan2(e1[1] - e0[1], e1[0] - e0[0]);
  a.crop_size = crop_size;
  return a;
}

FaceAlignment align_from_eyes(std::array<float, 2> right_eye, std::array<float, 2> left_eye,
                              int crop_size, float eye_distance, float eye_height) {
  check_crop_size(crop_size);
  const float dx = left_eye[0] - right_eye[0], dy = left_eye[1] - right_eye[1];
  const float d = std::hypot(dx, dy);
  if (!(d > 0) || !(eye_distance > 0) || !(eye_height > 0) || !(eye_height < 1)) {
    throw std::invalid_argument("face alignment needs two distinct eyes and proportions in (0, 1)");
  }
  FaceAlignment a;
  a.angle = std::atan2(dy, dx);
  a.side = d / eye_distance;
  a.crop_size = crop_size;
  // The eye midpoint sits (0.5 - eye_height)·side above the crop centre, along the crop's y axis.
  const float up = (0.5f - eye_height) * a.side;
  a.center_x = (right_eye[0] + left_eye[0]) / 2 - std::sin(a.angle) * up;
  a.center_y = (right_eye[1] + left_eye[1]) / 2 + std::cos(a.angle) * up;
  return a;
}

std::vector<float> crop_face_rgb(const Image& image, const FaceAlignment& a) {
  check_crop_size(a.crop_size);
  const Image rgb = image.channels == 4 ? to_rgb(image) : image;
  if (rgb.channels != 3 || rgb.width <= 0 || rgb.height <= 0)
    throw std::invalid_argument("face crop needs an RGB image");
  const int n = a.crop_size;
  std::vector<float> out(static_cast<std::size_t>(n) * n * 3);
  for (int v = 0; v < n; ++v) {
    for (int u = 0; u < n; ++u) {
      // Crop pixel centre (u + 0.5, v + 0.5) -> image pixel coordinates (centres at integers).
      const auto p = a.to_image(static_cast<float>(u) + 0.5f, static_cast<float>(v) + 0.5f);
      for (int c = 0; c < 3; ++c) {
        out[(static_cast<std::size_t>(v) * n + u) * 3 + c] =
            sample(rgb, p[0] - 0.5f, p[1] - 0.5f, c);
      }
    }
  }
  return out;
}

Image crop_face(const Image& image, const FaceAlignment& a) {
  const std::vector<float> f = crop_face_rgb(image, a);
  Image out = Image::blank(a.crop_size, a.crop_size, 3);
  for (std::size_t i = 0; i < f.size(); ++i) {
    out.pixels[i] = static_cast<std::uint8_t>(std::clamp(std::lround(f[i]), 0L, 255L));
  }
  return out;
}

}  // namespace pixforge::vision
