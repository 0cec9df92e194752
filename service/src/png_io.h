// The service's image encoding and decoding, through the engine's bounds-checked codecs
// (pixforge_image: libpng, libjpeg-turbo, libwebp). Stored PNGs carry no metadata from any
// input; the only text chunk the service ever writes is the A1111 `parameters` chunk of an
// output (see a1111_names.h), passed in explicitly.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "pixforge/service/generator.h"

namespace pixforge::service {

// Writes image.text as PNG text chunks, in order. Throws std::invalid_argument when the size and
// the pixel buffer disagree.
std::string encode_png(const Image& image);

// Bounds applied before any pixel buffer is allocated (decompression bombs).
struct DecodeLimits {
  std::int64_t max_pixels = 4'194'304;
  int max_side = 4096;
};

// What went wrong while decoding, for callers that map it to an HTTP status.
class ImageDecodeError : public std::runtime_error {
 public:
  enum class Kind { kUnsupportedFormat, kTooLarge, kCorrupt };
  ImageDecodeError(Kind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// Decodes PNG, JPEG (EXIF orientation applied to the pixels) or WebP, sniffed from the bytes,
// to 8-bit RGB/RGBA; every metadata chunk of the input is dropped. Throws ImageDecodeError.
Image decode_image_bytes(const std::string& bytes, const DecodeLimits& limits);
// "png", "jpeg" or "webp" by magic bytes; empty when it is none of them.
std::string sniff_image_format(const std::string& bytes);

// Decodes a PNG the service wrote (or any image the engine reads) to RGB/RGBA; throws when it is
// malformed or has more than `max_pixels` pixels.
Image decode_png(const std::string& bytes, std::int64_t max_pixels);

}  // namespace pixforge::service
