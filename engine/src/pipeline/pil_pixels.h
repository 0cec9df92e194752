// PIL's 8-bit pixel arithmetic that A1111's inpainting steps go through (Paste.c, Convert.c,
// AlphaComposite.c), restated so the engine's masked fill and overlay land on A1111's bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pixforge/image/image.h"

namespace pixforge::pipeline::pil {

// x / 255 rounded, exactly as PIL's DIV255 for x in [0, 255 * 255].
inline std::uint32_t div255(std::uint32_t x) {
  x += 128;
  return ((x >> 8) + x) >> 8;
}

struct Rgba {
  std::uint32_t r = 0, g = 0, b = 0, a = 0;
  static Rgba at(const std::vector<std::uint8_t>& v, std::size_t i) {
    return {v[i], v[i + 1], v[i + 2], v[i + 3]};
  }
  void store(std::vector<std::uint8_t>& v, std::size_t i) const {
    v[i] = static_cast<std::uint8_t>(r);
    v[i + 1] = static_cast<std::uint8_t>(g);
    v[i + 2] = static_cast<std::uint8_t>(b);
    v[i + 3] = static_cast<std::uint8_t>(a);
  }
};

// Image.alpha_composite(dst, src): "over" in PIL's integer form (7 extra bits, rounded
// divisions); a fully transparent source leaves dst.
inline Rgba alpha_composite(const Rgba& dst, const Rgba& src) {
  if (src.a == 0) return dst;
  constexpr std::uint32_t kBits = 7;
  const std::uint32_t blend = dst.a * (255 - src.a);
  const std::uint32_t outa255 = src.a * 255 + blend;
  const std::uint32_t coef1 = src.a * 255 * 255 * (1u << kBits) / outa255;
  const std::uint32_t coef2 = 255 * (1u << kBits) - coef1;
  auto channel = [&](std::uint32_t s, std::uint32_t d) {
    std::uint32_t t = s * coef1 + d * coef2 + (0x80u << kBits);
    t = ((t >> 8) + t) >> 8;
    return t >> kBits;
  };
  std::uint32_t a = outa255 + 0x80;
  a = ((a >> 8) + a) >> 8;
  return {channel(src.r, dst.r), channel(src.g, dst.g), channel(src.b, dst.b), a};
}

// New RGBa (premultiplied) canvas with the opaque `image` pasted through mask 255 - m:
// kept pixels whole, masked ones faded to transparent (A1111's image_masked).
inline std::vector<std::uint8_t> premultiplied_kept(const Image& image,
                                                    const std::vector<std::uint8_t>& mask) {
  const std::size_t n = mask.size();
  const auto ch = static_cast<std::size_t>(image.channels);
  std::vector<std::uint8_t> out(n * 4);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t keep = 255u - mask[i];
    for (std::size_t c = 0; c < 3; ++c)
      out[i * 4 + c] = static_cast<std::uint8_t>(div255(image.pixels[i * ch + c] * keep));
    out[i * 4 + 3] = static_cast<std::uint8_t>(div255(255u * keep));
  }
  return out;
}

// RGBa -> RGBA in place: colour * 255 / alpha truncated, alpha 0 and 255 left as they are.
inline void unpremultiply(std::vector<std::uint8_t>& rgba) {
  for (std::size_t i = 0; i < rgba.size(); i += 4) {
    const std::uint32_t a = rgba[i + 3];
    if (a == 0 || a == 255) continue;
    for (std::size_t c = 0; c < 3; ++c) {
      const std::uint32_t v = 255u * rgba[i + c] / a;
      rgba[i + c] = static_cast<std::uint8_t>(v > 255 ? 255 : v);
    }
  }
}

}  // namespace pixforge::pipeline::pil
