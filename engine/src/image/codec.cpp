#include "pixforge/image/codec.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "codecs_internal.h"

namespace pixforge {

const char* image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::Png:
      return "png";
    case ImageFormat::Jpeg:
      return "jpeg";
    case ImageFormat::Webp:
      return "webp";
  }
  return "unknown";
}

ImageFormat detect_image_format(std::span<const std::uint8_t> bytes) {
  static const std::uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() >= 8 && std::equal(kPng, kPng + 8, bytes.begin())) return ImageFormat::Png;
  if (bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff) {
    return ImageFormat::Jpeg;
  }
  if (bytes.size() >= 12 && std::equal(bytes.begin(), bytes.begin() + 4, "RIFF") &&
      std::equal(bytes.begin() + 8, bytes.begin() + 12, "WEBP")) {
    return ImageFormat::Webp;
  }
  throw ImageError("unrecognised image data (" + std::to_string(bytes.size()) +
                   " bytes): expected PNG, JPEG or WebP");
}

ImageFormat image_format_from_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".png") return ImageFormat::Png;
  if (ext == ".jpg" || ext == ".jpeg") return ImageFormat::Jpeg;
  if (ext == ".webp") return ImageFormat::Webp;
  throw ImageError("cannot tell the image format from the file name '" + path +
                   "': use .png, .jpg, .jpeg or .webp");
}

Image decode_image(std::span<const std::uint8_t> bytes, const ImageLimits& limits) {
  switch (detect_image_format(bytes)) {
    case ImageFormat::Png:
      return detail::decode_png(bytes, limits);
    case ImageFormat::Jpeg:
      return detail::decode_jpeg(bytes, limits);
    case ImageFormat::Webp:
      return detail::decode_webp(bytes, limits);
  }
  throw ImageError("unsupported image format");
}

namespace {
std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImageError("cannot open image file '" + path + "'");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  // Compressed inputs this large are never sane images for this engine; refusing early keeps a
  // mistaken path (a disk image, a model file) from being slurped into memory.
  constexpr std::streamoff kMaxFileBytes = 512LL << 20;
  if (size < 0 || size > kMaxFileBytes) {
    throw ImageError("image file '" + path + "' is larger than 512 MiB");
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw ImageError("cannot read image file '" + path + "'");
  }
  return bytes;
}
}  // namespace

Image read_image_file(const std::string& path, const ImageLimits& limits) {
  const std::vector<std::uint8_t> bytes = read_file(path);
  try {
    return decode_image(bytes, limits);
  } catch (const ImageError& e) {
    throw ImageError("'" + path + "': " + e.what());
  }
}

std::vector<std::uint8_t> encode_image(const Image& image, ImageFormat format,
                                       const EncodeOptions& options) {
  switch (format) {
    case ImageFormat::Png:
      return detail::encode_png(image, options);
    case ImageFormat::Jpeg:
      return detail::encode_jpeg(image, options);
    case ImageFormat::Webp:
      return detail::encode_webp(image, options);
  }
  throw ImageError("unsupported image format");
}

void write_image_file(const std::string& path, const Image& image, const EncodeOptions& options) {
  const std::vector<std::uint8_t> bytes =
      encode_image(image, image_format_from_path(path), options);
  // Write beside the target and rename, so a crash never leaves a half-written image under the
  // final name.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw ImageError("cannot create image file '" + tmp + "'");
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      std::remove(tmp.c_str());
      throw ImageError("cannot write image file '" + tmp + "'");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw ImageError("cannot move image file into place at '" + path + "': " + ec.message());
  }
}

namespace detail {
void check_encodable(const Image& image, const char* format) {
  if (image.width <= 0 || image.height <= 0 || (image.channels != 3 && image.channels != 4)) {
    throw ImageError(std::string("cannot encode ") + format + ": invalid image " +
                     std::to_string(image.width) + "x" + std::to_string(image.height) + "x" +
                     std::to_string(image.channels));
  }
  if (image.pixels.size() !=
      static_cast<std::size_t>(image.width) * image.height * image.channels) {
    throw ImageError(std::string("cannot encode ") + format +
                     ": pixel buffer size does not match the image size");
  }
}
}  // namespace detail

}  // namespace pixforge
