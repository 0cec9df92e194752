#include "pixforge/pipeline/masked_content.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "pil_pixels.h"
#include "pixforge/core/ops.h"
#include "pixforge/image/convert.h"
#include "pixforge/pipeline/inpaint_region.h"

namespace pixforge::pipeline {
namespace {

using pil::Rgba;

// PIL's radius of each of `passes` box blurs approximating a Gaussian of the given radius
// (Gwosdek et al., "Theoretical foundations of Gaussian convolution by extended box
// filtering"): integer part l plus a fractional part a, computed in float as PIL does.
float box_radius(float radius, int passes) {
  const float sigma2 = radius * radius / static_cast<float>(passes);
  const float big_l = static_cast<float>(std::sqrt(12.0 * sigma2 + 1.0));
  const float l = static_cast<float>(std::floor((big_l - 1.0) / 2.0));
  float a = (2 * l + 1) * (l * (l + 1) - 3 * sigma2);
  a /= 6 * (sigma2 - (l + 1) * (l + 1));
  return l + a;
}

// One extended box blur of radius r + a along a line of `n` RGBA pixels, `stride` bytes apart:
// the 2r + 1 pixels around x weigh ww each and the two next ones fw each, in PIL's 24-bit fixed
// point, edges extended, rounded to 8 bits.
void box_blur_line(std::uint8_t* line, int n, std::size_t stride, float radius,
                   std::vector<std::uint8_t>& scratch) {
  const int r = static_cast<int>(radius);
  const auto ww = static_cast<std::uint32_t>(static_cast<float>(1 << 24) / (radius * 2 + 1));
  const std::uint32_t fw = ((1u << 24) - static_cast<std::uint32_t>(r * 2 + 1) * ww) / 2;
  scratch.resize(static_cast<std::size_t>(n) * 4);
  for (int x = 0; x < n; ++x)
    for (int c = 0; c < 4; ++c) scratch[static_cast<std::size_t>(x) * 4 + c] = line[x * stride + c];
  auto at = [&](int i, int c) -> std::uint64_t {
    return scratch[static_cast<std::size_t>(std::clamp(i, 0, n - 1)) * 4 + c];
  };
  for (int c = 0; c < 4; ++c) {
    std::uint64_t acc = 0;  // the window around x = 0
    for (int k = -r; k <= r; ++k) acc += at(k, c);
    for (int x = 0; x < n; ++x) {
      if (x > 0) acc += at(x + r, c) - at(x - r - 1, c);
      const std::uint64_t bulk = acc * ww + (at(x - r - 1, c) + at(x + r + 1, c)) * fw;
      line[x * stride + c] = static_cast<std::uint8_t>((bulk + (1u << 23)) >> 24);
    }
  }
}

void composite_layer(std::vector<std::uint8_t>& canvas, const std::vector<std::uint8_t>& layer) {
  for (std::size_t i = 0; i < canvas.size(); i += 4) {
    const Rgba out = pil::alpha_composite(Rgba::at(canvas, i), Rgba::at(layer, i));
    out.store(canvas, i);
  }
}

}  // namespace

GreyMask to_grey(const InpaintMask& mask) {
  GreyMask g{mask.width, mask.height, std::vector<std::uint8_t>(mask.values.size())};
  for (std::size_t i = 0; i < mask.values.size(); ++i)
    g.values[i] =
        static_cast<std::uint8_t>(std::lround(std::clamp(mask.values[i], 0.0f, 1.0f) * 255));
  return g;
}

void pil_gaussian_blur_rgba(std::vector<std::uint8_t>& rgba, int width, int height, float radius) {
  if (radius <= 0) return;  // PIL: a zero radius copies
  const float box = box_radius(radius, 3);
  std::vector<std::uint8_t> scratch;
  const std::size_t row = static_cast<std::size_t>(width) * 4;
  // Three passes along rows, then three along columns (PIL's order), 8-bit between passes.
  for (int pass = 0; pass < 3; ++pass)
    for (int y = 0; y < height; ++y) box_blur_line(&rgba[y * row], width, 4, box, scratch);
  for (int pass = 0; pass < 3; ++pass)
    for (int x = 0; x < width; ++x)
      box_blur_line(&rgba[static_cast<std::size_t>(x) * 4], height, row, box, scratch);
}

Image fill_masked(const Image& image, const GreyMask& mask) {
  if (mask.width != image.width || mask.height != image.height ||
      mask.values.size() != static_cast<std::size_t>(image.width) * image.height) {
    throw InvalidParams("masked content fill: the mask is " + std::to_string(mask.width) + "x" +
                        std::to_string(mask.height) + ", the image " + std::to_string(image.width) +
                        "x" + std::to_string(image.height));
  }
  const std::vector<std::uint8_t> kept = pil::premultiplied_kept(image, mask.values);
  std::vector<std::uint8_t> canvas(kept.size(), 0);
  constexpr std::pair<float, int> kLayers[] = {{256.f, 1}, {64.f, 1}, {16.f, 2},
                                               {4.f, 4},   {2.f, 2},  {0.f, 1}};
  for (const auto& [radius, repeats] : kLayers) {
    std::vector<std::uint8_t> layer = kept;
    pil_gaussian_blur_rgba(layer, image.width, image.height, radius);
    pil::unpremultiply(layer);
    for (int k = 0; k < repeats; ++k) composite_layer(canvas, layer);
  }
  Image out = Image::blank(image.width, image.height, 3);
  for (std::size_t i = 0, n = canvas.size() / 4; i < n; ++i)
    for (int c = 0; c < 3; ++c) out.pixels[i * 3 + c] = canvas[i * 4 + c];
  return out;
}

Tensor a1111_latent_mask(Backend& backend, const InpaintMask& mask, int width, int height,
                         const Shape& latent_shape, bool round) {
  if (latent_shape.rank() != 4 || latent_shape.numel() == 0)
    throw InvalidParams("latent mask: latent shape must be a non-empty NHWC");
  const GreyMask at_size = resize_mask(to_grey(mask), width, height);
  Image grey = Image::blank(width, height, 3);
  for (std::size_t i = 0; i < at_size.values.size(); ++i)
    for (int c = 0; c < 3; ++c) grey.pixels[i * 3 + c] = at_size.values[i];
  const auto n = latent_shape[0], h = latent_shape[1], w = latent_shape[2], ch = latent_shape[3];
  const Image small =
      resize_image(grey, static_cast<int>(w), static_cast<int>(h), ResizeFilter::Bicubic);
  std::vector<float> values;
  values.reserve(static_cast<std::size_t>(latent_shape.numel()));
  for (std::int64_t b = 0; b < n; ++b)
    for (std::size_t i = 0; i < static_cast<std::size_t>(w * h); ++i) {
      const std::uint8_t v = small.pixels[i * 3];
      // np.around of v / 255: v / 255 is never exactly 0.5, so this is v >= 128.
      const float m = round ? (v >= 128 ? 1.0f : 0.0f) : static_cast<float>(v) / 255.0f;
      values.insert(values.end(), static_cast<std::size_t>(ch), m);
    }
  return Tensor::from_host(backend, latent_shape, values);
}

Tensor apply_latent_masked_content(MaskedContent content, const Tensor& init,
                                   const Tensor& latent_mask, const Tensor& noise) {
  if (content != MaskedContent::LatentNoise && content != MaskedContent::LatentNothing) return init;
  if (latent_mask.shape() != init.shape() ||
      (content == MaskedContent::LatentNoise && noise.shape() != init.shape())) {
    throw InvalidParams("latent masked content: init latent, mask and noise shapes differ");
  }
  // A1111: init_latent * mask + noise * nmask, mask = 1 - latmask, nmask = latmask.
  const Tensor kept = ops::mul(init, ops::scale_bias(latent_mask, -1.0f, 1.0f));
  if (content == MaskedContent::LatentNothing) return kept;
  return ops::add(kept, ops::mul(noise, latent_mask));
}

}  // namespace pixforge::pipeline
