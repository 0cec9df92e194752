// Per-format codec entry points behind codec.h's dispatch.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "pixforge/image/codec.h"

namespace pixforge::detail {

Image decode_png(std::span<const std::uint8_t> bytes, const ImageLimits& limits);
Image decode_jpeg(std::span<const std::uint8_t> bytes, const ImageLimits& limits);
Image decode_webp(std::span<const std::uint8_t> bytes, const ImageLimits& limits);

std::vector<std::uint8_t> encode_png(const Image& image, const EncodeOptions& options);
std::vector<std::uint8_t> encode_jpeg(const Image& image, const EncodeOptions& options);
std::vector<std::uint8_t> encode_webp(const Image& image, const EncodeOptions& options);

// EXIF orientation (1..8) from a JPEG APP1 "Exif\0\0" payload; 1 when absent or unreadable
// (a broken EXIF block must not make a good picture unreadable).
int exif_orientation(std::span<const std::uint8_t> app1);
// Applies EXIF orientation 2..8 so the result displays upright; 1 (or unknown) is identity.
Image apply_orientation(const Image& image, int orientation);

// Checks an image handed to an encoder (sizes, channels, pixel buffer length).
void check_encodable(const Image& image, const char* format);

}  // namespace pixforge::detail
