// Aligned face crops (P3: in memory only): a square, fixed-size crop of a face rotated so that
// the eyes are level, and the similarity transform between crop and image. Facemesh runs on
// such a crop made from BlazeFace's detection; avatar / portrait work takes one made from the
// landmarks.
//
// Coordinates are continuous: pixel i spans [i, i+1). Crop point (u, v) maps to the image
// point  c + R(angle) · (side / crop_size) · (u - crop_size/2, v - crop_size/2).
#pragma once

#include <array>
#include <vector>

#include "pixforge/image/image.h"
#include "pixforge/vision/faces.h"

namespace pixforge::vision {

struct FaceAlignment {
  float center_x = 0, center_y = 0;  // the crop's centre in the image
  float side = 1;                    // the crop's side in image pixels
  float angle = 0;                   // radians: the crop's x axis is (cos, sin) in the image
  int crop_size = 192;               // the crop's side in pixels

  std::array<float, 2> to_image(float u, float v) const;
  std::array<float, 2> to_crop(float x, float y) const;
  float scale() const {
    return side / static_cast<float>(crop_size);
  }  // image pixels per crop pixel
};

// Human's facemesh framing of a BlazeFace detection: the box enlarged `enlarge` times about its
// centre and made square (longer side), rotated by the line from the first to the second eye
// keypoint. Throws std::invalid_argument for an empty box or a crop size outside 1..4096.
FaceAlignment align_from_detection(const FaceBox& face, int crop_size, float enlarge = 1.5f);

// Eyes-level framing from two eye centres: the eye midpoint sits at `eye_height` of the crop
// (from the top) and the eyes are `eye_distance` of the crop's side apart.
FaceAlignment align_from_eyes(std::array<float, 2> right_eye, std::array<float, 2> left_eye,
                              int crop_size, float eye_distance = 0.36f, float eye_height = 0.4f);

// The crop as RGB floats (HWC, 0-255, bilinear, black outside the image); alpha is dropped
// over white. The facemesh input before scaling.
std::vector<float> crop_face_rgb(const Image& image, const FaceAlignment& a);
// The crop as an 8-bit RGB image (rounded).
Image crop_face(const Image& image, const FaceAlignment& a);

}  // namespace pixforge::vision
