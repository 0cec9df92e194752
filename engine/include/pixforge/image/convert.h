// Image <-> tensor conversion and resizing.
#pragma once

#include "pixforge/core/backend.h"
#include "pixforge/core/tensor.h"
#include "pixforge/image/image.h"

namespace pixforge {

// Value range of an image tensor: [-1, 1] is what the VAE encoder takes and its decoder
// returns; [0, 1] is what TAESD and most vision models use.
enum class PixelRange { MinusOneToOne, ZeroToOne };

// One RGB image -> f32 NHWC [1, H, W, 3] on `backend` (alpha is composited over white).
Tensor image_to_tensor(Backend& backend, const Image& image, PixelRange range);

// Image `index` of an NHWC [N, H, W, 3] tensor (any float dtype, any backend) -> RGB uint8,
// as ComfyUI converts: x -> (x + 1) / 2 for MinusOneToOne, clamp to [0, 1], then uint8(255 x)
// truncating (not rounding), so outputs match ComfyUI's saved PNGs byte for byte.
Image tensor_to_image(const Tensor& nhwc, int index, PixelRange range);

// Same from host f32 values laid out NHWC (one image): the conversion the function above uses.
Image rgb_from_floats(const float* nhwc, int width, int height, PixelRange range);

// Resampling filter. Lanczos3 is what PIL's LANCZOS does (separable, support 3 scaled by the
// reduction factor, so downscaling antialiases); Bicubic is Keys a = -0.5 with the same
// scaling; Area averages the source pixels each destination pixel covers (box filter, exact
// for integer factors, what previews use); Nearest is PIL's NEAREST (the source pixel under
// each destination pixel's centre).
enum class ResizeFilter { Lanczos3, Bicubic, Area, Nearest };

// Resizes to width x height (same channel count). Throws ImageError for non-positive sizes.
Image resize_image(const Image& image, int width, int height, ResizeFilter filter);

}  // namespace pixforge
