// EXIF orientation: the one piece of JPEG metadata that changes what the pixels mean. Only
// IFD0's Orientation tag is read, every offset bounds-checked.
#include <string>

#include "codecs_internal.h"

namespace pixforge::detail {
namespace {

struct TiffReader {
  std::span<const std::uint8_t> data;
  bool big_endian = false;
  bool u16(std::size_t at, unsigned* out) const {
    if (at + 2 > data.size()) return false;
    *out = big_endian ? (data[at] << 8) | data[at + 1] : data[at] | (data[at + 1] << 8);
    return true;
  }
  bool u32(std::size_t at, std::uint32_t* out) const {
    unsigned a, b;
    if (!u16(at, &a) || !u16(at + 2, &b)) return false;
    *out = big_endian ? (std::uint32_t{a} << 16) | b : (std::uint32_t{b} << 16) | a;
    return true;
  }
};

}  // namespace

int exif_orientation(std::span<const std::uint8_t> app1) {
  static const std::uint8_t kExif[6] = {'E', 'x', 'i', 'f', 0, 0};
  if (app1.size() < 14 || !std::equal(kExif, kExif + 6, app1.begin())) return 1;
  TiffReader tiff{app1.subspan(6)};
  if (tiff.data[0] == 'M' && tiff.data[1] == 'M') {
    tiff.big_endian = true;
  } else if (!(tiff.data[0] == 'I' && tiff.data[1] == 'I')) {
    return 1;
  }
  std::uint32_t ifd = 0;
  unsigned count = 0;
  if (!tiff.u32(4, &ifd) || !tiff.u16(ifd, &count)) return 1;
  for (unsigned i = 0; i < count; ++i) {
    const std::size_t entry = ifd + 2 + 12 * static_cast<std::size_t>(i);
    unsigned tag = 0, type = 0, value = 0;
    if (!tiff.u16(entry, &tag) || !tiff.u16(entry + 2, &type)) return 1;
    if (tag != 0x0112) continue;
    // SHORT (type 3), value stored inline in the first two bytes of the value field.
    if (type != 3 || !tiff.u16(entry + 8, &value)) return 1;
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

Image apply_orientation(const Image& image, int orientation) {
  if (orientation < 2 || orientation > 8) return image;
  const bool transpose = orientation >= 5;
  const int w = image.width, h = image.height, ch = image.channels;
  Image out = Image::blank(transpose ? h : w, transpose ? w : h, ch);
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      // (sx, sy): the source pixel shown at (x, y) once the picture is turned upright.
      int sx = x, sy = y;
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          break;  // mirrored horizontally
        case 3:
          sx = w - 1 - x;
          sy = h - 1 - y;
          break;  // rotated 180
        case 4:
          sy = h - 1 - y;
          break;  // mirrored vertically
        case 5:
          sx = y;
          sy = x;
          break;  // transposed
        case 6:
          sx = y;
          sy = h - 1 - x;
          break;  // rotated 90 CW to display
        case 7:
          sx = w - 1 - y;
          sy = h - 1 - x;
          break;  // transverse
        case 8:
          sx = w - 1 - y;
          sy = x;
          break;  // rotated 90 CCW to display
      }
      const std::uint8_t* src = image.row(sy) + static_cast<std::size_t>(sx) * ch;
      std::copy(src, src + ch, out.row(y) + static_cast<std::size_t>(x) * ch);
    }
  }
  return out;
}

}  // namespace pixforge::detail
