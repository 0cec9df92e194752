// Where an inpainting run samples and how its result returns to the picture, as A1111's img2img
// does it (modules/masking.py get_crop_region_v2 / expand_crop_region, modules/images.py
// resize_image, processing.py apply_overlay / uncrop): the "only masked" crop around the mask,
// and the final overlay of the original pixels with the mask as transparency.
#pragma once

#include <optional>
#include <vector>

#include "pixforge/image/image.h"
#include "pixforge/pipeline/generation_params.h"
#include "pixforge/pipeline/masked_content.h"

namespace pixforge::pipeline {

// Pixel box [x1, x2) x [y1, y2).
struct CropRegion {
  int x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  int width() const { return x2 - x1; }
  int height() const { return y2 - y1; }
  bool operator==(const CropRegion&) const = default;
};

// The bounding box of the mask's non-zero pixels grown by `padding` on every side and clamped
// to the mask; nullopt for a mask with no non-zero pixel (A1111 then inpaints nothing: it runs
// plain img2img of the whole picture).
std::optional<CropRegion> mask_crop_region(const GreyMask& mask, int padding);

// A1111's expand_crop_region: the region widened (or heightened), about its centre, to the
// processing aspect ratio, shifted back inside the image at an edge and clamped to it when the
// image is too small.
CropRegion expand_crop_region(CropRegion region, int processing_width, int processing_height,
                              int image_width, int image_height);

// A1111's resize modes with PIL's Lanczos (images.resize_image): 1 "crop and resize" scales to
// cover width x height and crops the centre; 2 "resize and fill" scales to fit inside and fills
// the bands with the stretched edge rows or columns.
Image resize_and_crop(const Image& image, int width, int height);
Image resize_and_fill(const Image& image, int width, int height);
GreyMask resize_mask(const GreyMask& mask, int width, int height);           // Lanczos
GreyMask resize_and_fill_mask(const GreyMask& mask, int width, int height);  // mode 2
Image crop(const Image& image, const CropRegion& region);
GreyMask crop(const GreyMask& mask, const CropRegion& region);

// A1111's apply_overlay: `original` (RGB, generated's size) pasted over `generated` through
// 255 - overlay_mask with PIL's premultiplied paste and alpha_composite, so pixels where the
// mask is 0 come out as the original's exactly. `generated` may be RGBA (transparent outside an
// uncropped region); returns RGB.
Image overlay_original(const Image& generated, const Image& original, const GreyMask& overlay_mask);

// How one inpainting run maps onto the picture: built before sampling from the request (which it
// rewrites: the crop and resize of "only masked", the filled init image), applied to every
// decoded output.
class InpaintFrame {
 public:
  // Rewrites p.init_image / p.mask for the sampler; a blank mask under OnlyMasked drops the mask
  // (A1111's fallback to img2img). Does nothing without p.mask.
  static InpaintFrame prepare(GenerationParams& p);
  // The output as A1111 returns it (the original's size under OnlyMasked).
  Image finish(const Image& generated) const;
  // The crop of an OnlyMasked run (tests, infotext).
  const std::optional<CropRegion>& region() const { return region_; }

 private:
  bool overlay_ = false;
  std::optional<CropRegion> region_;
  Image original_;         // the init image at the overlay's size
  GreyMask overlay_mask_;  // A1111's mask_for_overlay
};

}  // namespace pixforge::pipeline
