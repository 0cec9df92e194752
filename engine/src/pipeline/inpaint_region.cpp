#include "pixforge/pipeline/inpaint_region.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "pil_pixels.h"
#include "pixforge/image/convert.h"

namespace pixforge::pipeline {
namespace {

// Python's // for the (non-negative) differences expand_crop_region halves.
int floor_div2(int v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

Image grey_image(const GreyMask& m) {
  Image img = Image::blank(m.width, m.height, 3);
  for (std::size_t i = 0; i < m.values.size(); ++i)
    for (int c = 0; c < 3; ++c) img.pixels[i * 3 + c] = m.values[i];
  return img;
}

GreyMask grey_mask(const Image& img) {
  GreyMask m{img.width, img.height, std::vector<std::uint8_t>(img.pixels.size() / img.channels)};
  for (std::size_t i = 0; i < m.values.size(); ++i) m.values[i] = img.pixels[i * img.channels];
  return m;
}

Image lanczos(const Image& image, int width, int height) {
  if (image.width == width && image.height == height) return image;  // PIL: a copy
  return resize_image(image, width, height, ResizeFilter::Lanczos3);
}

// Copies `src` into `dst` with its top-left corner at (ox, oy), clipped to dst (PIL's paste).
void paste(Image& dst, const Image& src, int ox, int oy) {
  const auto ch = static_cast<std::size_t>(dst.channels);
  for (int y = std::max(0, oy); y < std::min(dst.height, oy + src.height); ++y)
    for (int x = std::max(0, ox); x < std::min(dst.width, ox + src.width); ++x)
      for (std::size_t c = 0; c < ch; ++c)
        dst.row(y)[x * ch + c] = src.row(y - oy)[static_cast<std::size_t>(x - ox) * ch + c];
}

double lanczos3(double x) {
  auto sinc = [](double v) {
    return v == 0.0 ? 1.0 : std::sin(v * std::numbers::pi) / (v * std::numbers::pi);
  };
  return std::fabs(x) < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
}

// PIL's resize of a zero-width source box at an edge (the bands of resize mode 2): every output
// line is the three edge lines nearest the box weighted lanczos3(0.5), (1.5), (2.5), innermost
// last. `edge` 0 takes lines 0, 1, 2; otherwise the last three. Returns one line of `len` px.
std::vector<std::uint8_t> edge_line(const Image& img, bool along_rows, bool far_edge) {
  const int lines = along_rows ? img.height : img.width;
  const int len = along_rows ? img.width : img.height;
  const int taps = std::min(3, lines);
  const auto ch = static_cast<std::size_t>(img.channels);
  std::vector<double> w(static_cast<std::size_t>(taps));
  double total = 0;
  for (int k = 0; k < taps; ++k) total += w[static_cast<std::size_t>(k)] = lanczos3(k + 0.5);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(len) * ch);
  for (int i = 0; i < len; ++i)
    for (std::size_t c = 0; c < ch; ++c) {
      double acc = 0;
      for (int k = 0; k < taps; ++k) {
        const int line = far_edge ? lines - 1 - k : k;
        const int x = along_rows ? i : line, y = along_rows ? line : i;
        acc += w[static_cast<std::size_t>(k)] / total *
               img.row(y)[static_cast<std::size_t>(x) * ch + c];
      }
      out[static_cast<std::size_t>(i) * ch + c] =
          static_cast<std::uint8_t>(std::clamp(std::lround(acc), 0L, 255L));
    }
  return out;
}

void fill_band(Image& dst, const std::vector<std::uint8_t>& line, bool rows, int from, int count) {
  const auto ch = static_cast<std::size_t>(dst.channels);
  for (int b = std::max(0, from); b < std::min(rows ? dst.height : dst.width, from + count); ++b) {
    const int n = rows ? dst.width : dst.height;
    for (int i = 0; i < n; ++i) {
      const int x = rows ? i : b, y = rows ? b : i;
      for (std::size_t c = 0; c < ch; ++c)
        dst.row(y)[static_cast<std::size_t>(x) * ch + c] =
            line[static_cast<std::size_t>(i) * ch + c];
    }
  }
}

GreyMask doubled(GreyMask m) {
  for (auto& v : m.values) v = static_cast<std::uint8_t>(std::min(255, 2 * v));
  return m;
}

InpaintMask to_inpaint_mask(const GreyMask& g) {
  InpaintMask m{g.width, g.height, std::vector<float>(g.values.size())};
  for (std::size_t i = 0; i < g.values.size(); ++i) m.values[i] = g.values[i] / 255.0f;
  return m;
}

}  // namespace

std::optional<CropRegion> mask_crop_region(const GreyMask& mask, int padding) {
  CropRegion box{mask.width, mask.height, 0, 0};
  for (int y = 0; y < mask.height; ++y)
    for (int x = 0; x < mask.width; ++x)
      if (mask.values[static_cast<std::size_t>(y) * mask.width + x] != 0) {
        box = {std::min(box.x1, x), std::min(box.y1, y), std::max(box.x2, x + 1),
               std::max(box.y2, y + 1)};
      }
  if (box.x2 <= box.x1) return std::nullopt;
  return CropRegion{std::max(box.x1 - padding, 0), std::max(box.y1 - padding, 0),
                    std::min(box.x2 + padding, mask.width),
                    std::min(box.y2 + padding, mask.height)};
}

CropRegion expand_crop_region(CropRegion r, int processing_width, int processing_height,
                              int image_width, int image_height) {
  const double ratio_region = static_cast<double>(r.width()) / r.height();
  const double ratio_processing = static_cast<double>(processing_width) / processing_height;
  // One axis grows about the centre (the extra pixel on the far side), then the region moves
  // back inside the image and, if still too large, is clamped.
  auto grow = [](int& lo, int& hi, int diff, int size) {
    lo -= floor_div2(diff);
    hi += diff - floor_div2(diff);
    if (hi >= size) {
      lo -= hi - size;
      hi = size;
    }
    if (lo < 0) {
      hi -= lo;
      lo = 0;
    }
    if (hi >= size) hi = size;
  };
  if (ratio_region > ratio_processing) {
    const double desired = r.width() / ratio_processing;
    grow(r.y1, r.y2, static_cast<int>(desired - r.height()), image_height);
  } else {
    const double desired = r.height() * ratio_processing;
    grow(r.x1, r.x2, static_cast<int>(desired - r.width()), image_width);
  }
  return r;
}

Image resize_and_crop(const Image& image, int width, int height) {
  const double ratio = static_cast<double>(width) / height;
  const double src_ratio = static_cast<double>(image.width) / image.height;
  const int src_w = ratio > src_ratio ? width : image.width * height / image.height;
  const int src_h = ratio <= src_ratio ? height : image.height * width / image.width;
  Image out = Image::blank(width, height, image.channels);
  paste(out, lanczos(image, src_w, src_h), width / 2 - src_w / 2, height / 2 - src_h / 2);
  return out;
}

Image resize_and_fill(const Image& image, int width, int height) {
  const double ratio = static_cast<double>(width) / height;
  const double src_ratio = static_cast<double>(image.width) / image.height;
  const int src_w = ratio < src_ratio ? width : image.width * height / image.height;
  const int src_h = ratio >= src_ratio ? height : image.height * width / image.width;
  const Image resized = lanczos(image, src_w, src_h);
  Image out = Image::blank(width, height, image.channels);
  paste(out, resized, width / 2 - src_w / 2, height / 2 - src_h / 2);
  if (ratio < src_ratio) {
    const int band = height / 2 - src_h / 2;
    if (band > 0) {
      fill_band(out, edge_line(resized, true, false), true, 0, band);
      fill_band(out, edge_line(resized, true, true), true, band + src_h, band);
    }
  } else if (ratio > src_ratio) {
    const int band = width / 2 - src_w / 2;
    if (band > 0) {
      fill_band(out, edge_line(resized, false, false), false, 0, band);
      fill_band(out, edge_line(resized, false, true), false, band + src_w, band);
    }
  }
  return out;
}

GreyMask resize_mask(const GreyMask& mask, int width, int height) {
  if (mask.width == width && mask.height == height) return mask;
  return grey_mask(lanczos(grey_image(mask), width, height));
}

GreyMask resize_and_fill_mask(const GreyMask& mask, int width, int height) {
  return grey_mask(resize_and_fill(grey_image(mask), width, height));
}

Image crop(const Image& image, const CropRegion& r) {
  Image out = Image::blank(r.width(), r.height(), image.channels);
  paste(out, image, -r.x1, -r.y1);
  return out;
}

GreyMask crop(const GreyMask& mask, const CropRegion& r) {
  return grey_mask(crop(grey_image(mask), r));
}

Image overlay_original(const Image& generated, const Image& original, const GreyMask& mask) {
  const std::size_t n = static_cast<std::size_t>(generated.width) * generated.height;
  if (original.width != generated.width || original.height != generated.height ||
      mask.values.size() != n) {
    throw InvalidParams("inpaint overlay: generated image, original and mask sizes differ");
  }
  std::vector<std::uint8_t> layer = pil::premultiplied_kept(original, mask.values);
  pil::unpremultiply(layer);
  const auto ch = static_cast<std::size_t>(generated.channels);
  Image out = Image::blank(generated.width, generated.height, 3);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* g = &generated.pixels[i * ch];
    const pil::Rgba dst{g[0], g[1], g[2], ch == 4 ? g[3] : 255u};
    const pil::Rgba px = pil::alpha_composite(dst, pil::Rgba::at(layer, i * 4));
    out.pixels[i * 3] = static_cast<std::uint8_t>(px.r);
    out.pixels[i * 3 + 1] = static_cast<std::uint8_t>(px.g);
    out.pixels[i * 3 + 2] = static_cast<std::uint8_t>(px.b);
  }
  return out;
}

InpaintFrame InpaintFrame::prepare(GenerationParams& p) {
  InpaintFrame f;
  if (!p.mask || !p.init_image) return f;
  GreyMask mask = to_grey(*p.mask);
  Image init = to_rgb(*p.init_image);  // A1111 flattens alpha over white as well
  if (p.inpaint_area == InpaintArea::OnlyMasked) {
    std::optional<CropRegion> region = mask_crop_region(mask, p.inpaint_padding);
    if (!region) {  // A1111: "mask is blank, switch to img2img mode"
      p.mask.reset();
      return f;
    }
    f.region_ = expand_crop_region(*region, p.width, p.height, mask.width, mask.height);
    f.overlay_ = true;
    f.original_ = init;
    f.overlay_mask_ = mask;
    init = resize_and_fill(crop(init, *f.region_), p.width, p.height);
    mask = resize_and_fill_mask(crop(mask, *f.region_), p.width, p.height);
    p.init_image = init;
    p.mask = to_inpaint_mask(mask);
  } else if (p.mask_overlay) {
    f.overlay_ = true;
    f.original_ = lanczos(init, p.width, p.height);  // resize mode 0, "just resize"
    f.overlay_mask_ = doubled(resize_mask(mask, p.width, p.height));
  }
  if (p.masked_content == MaskedContent::Fill) {
    // A1111 fills at the processing size, with the mask the latent mask is made from.
    const GreyMask at_size = resize_mask(mask, p.width, p.height);
    p.init_image = fill_masked(lanczos(init, p.width, p.height), at_size);
    p.mask = to_inpaint_mask(at_size);
  }
  return f;
}

Image InpaintFrame::finish(const Image& generated) const {
  if (!overlay_) return generated;
  if (!region_) return overlay_original(generated, original_, overlay_mask_);
  // uncrop: the output scaled to cover the region, pasted opaque onto a transparent canvas.
  Image canvas = Image::blank(original_.width, original_.height, 4);
  paste(canvas, to_rgba(resize_and_crop(generated, region_->width(), region_->height())),
        region_->x1, region_->y1);
  return overlay_original(canvas, original_, overlay_mask_);
}

}  // namespace pixforge::pipeline
