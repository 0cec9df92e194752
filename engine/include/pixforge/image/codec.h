// Image decoding and encoding: PNG (libpng), JPEG (libjpeg-turbo), WebP (libwebp).
//
// Decoders sniff the format from the bytes (never trust the extension), check the declared
// dimensions against ImageLimits before allocating, and turn every libpng/libjpeg/libwebp
// error into an ImageError. Outputs are always 8-bit RGB or RGBA: 16-bit PNG is reduced to
// 8 bits, palette and grey are expanded, and a JPEG's EXIF orientation is applied to the
// pixels. Metadata (EXIF, ICC, XMP, text) is never carried from an input into an output.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pixforge/image/image.h"

namespace pixforge {

enum class ImageFormat { Png, Jpeg, Webp };

// "png", "jpeg", "webp".
const char* image_format_name(ImageFormat format);
// Sniffs magic bytes; throws ImageError when the bytes are none of the three formats.
ImageFormat detect_image_format(std::span<const std::uint8_t> bytes);
// From a file name's extension (.png, .jpg/.jpeg, .webp; case-insensitive); throws otherwise.
ImageFormat image_format_from_path(const std::string& path);

Image decode_image(std::span<const std::uint8_t> bytes, const ImageLimits& limits = {});
Image read_image_file(const std::string& path, const ImageLimits& limits = {});

// PNG tEXt/iTXt chunks (keyword -> text), e.g. A1111's "parameters" or ComfyUI's "prompt" and
// "workflow". Text is returned as stored (UTF-8 for iTXt, Latin-1 tEXt widened to UTF-8).
// Throws ImageError when the bytes are not a readable PNG.
std::map<std::string, std::string> read_png_text(std::span<const std::uint8_t> bytes);

struct EncodeOptions {
  int quality = 90;       // JPEG/WebP lossy quality, 1..100
  bool lossless = false;  // WebP only
  // PNG text chunks written in order (keyword 1..79 Latin-1 chars). Non-ASCII text goes into an
  // iTXt chunk (UTF-8) as A1111 does, pure ASCII into tEXt.
  std::vector<std::pair<std::string, std::string>> png_text;
  int png_compression = 6;  // zlib level 0..9
};

std::vector<std::uint8_t> encode_image(const Image& image, ImageFormat format,
                                       const EncodeOptions& options = {});
// Encodes by the path's extension and writes the file (atomically: temp file + rename).
void write_image_file(const std::string& path, const Image& image,
                      const EncodeOptions& options = {});

}  // namespace pixforge
