// What the masked area of an inpainting run starts from (GenerationParams::masked_content), as
// A1111's img2img prepares it (modules/processing.py, StableDiffusionProcessingImg2Img.init):
// pixel fill before VAE encoding, or the init latent's masked area replaced afterwards.
#pragma once

#include <cstdint>
#include <vector>

#include "pixforge/core/tensor.h"
#include "pixforge/image/image.h"
#include "pixforge/pipeline/generation_params.h"

namespace pixforge::pipeline {

// A mask as 8-bit grey levels (255 = repaint), one per pixel: A1111 holds its masks as PIL "L"
// images, and its pixel steps round to 8 bits.
struct GreyMask {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> values;
};
GreyMask to_grey(const InpaintMask& mask);  // round(v * 255)

// A1111's masking.fill: the masked pixels painted over with colours blurred in from the kept
// ones. The kept area (mask 0) is copied into a premultiplied-alpha layer with mask-inverse
// alpha; that layer, Gaussian-blurred (PIL's three-pass extended box blur) at radii 256, 64,
// 16, 4, 2 and 0, is alpha-composited onto a transparent canvas 1, 1, 2, 4, 2 and 1 times, with
// PIL's 8-bit arithmetic at every step. Pixels with mask 0 keep their value exactly. `image`
// RGB or RGBA (alpha ignored), mask of its size; returns RGB. Throws InvalidParams on a size
// mismatch.
Image fill_masked(const Image& image, const GreyMask& mask);

// PIL's ImageFilter.GaussianBlur(radius) on a 4-channel 8-bit image (exposed for tests).
void pil_gaussian_blur_rgba(std::vector<std::uint8_t>& rgba, int width, int height, float radius);

// A1111's latent mask (LatentMaskStyle::A1111 / A1111Rounded) as an NHWC tensor of
// `latent_shape`: the mask at width x height (Lanczos-resized when it is another size, as A1111
// resizes its mask), bicubic-resized to the latent, / 255, rounded to 0 or 1 when `round`.
Tensor a1111_latent_mask(Backend& backend, const InpaintMask& mask, int width, int height,
                         const Shape& latent_shape, bool round);

// The latent masked-content modes on an init latent [N, h, w, 4], with `latent_mask` of its
// shape (1 = repaint): LatentNoise gives init * (1 - m) + noise * m, LatentNothing init * (1 - m);
// Original and Fill return `init` unchanged (fill acts on pixels).
Tensor apply_latent_masked_content(MaskedContent content, const Tensor& init,
                                   const Tensor& latent_mask, const Tensor& noise);

}  // namespace pixforge::pipeline
