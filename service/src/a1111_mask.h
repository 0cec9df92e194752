// A1111's mask preparation for img2img inpainting (modules/processing.py, whole-picture mode):
// the mask (white = repaint, after inpainting_mask_invert) is blurred with a Gaussian of sigma
// mask_blur_x horizontally and mask_blur_y vertically, kernel width 2 * int(2.5 * sigma + 0.5)
// + 1, as cv2.GaussianBlur with its default border (reflect-101) does.
#pragma once

#include "pixforge/service/generator.h"

namespace pixforge::service {

// Blurs a grey mask (RGB with equal channels, or one channel) in place; sigma 0 leaves that
// direction unchanged.
void blur_mask(Image& mask, int sigma_x, int sigma_y);

}  // namespace pixforge::service
