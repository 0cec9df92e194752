#include "png_io.h"

#include <stdexcept>

#include "pixforge/image/codec.h"

namespace pixforge::service {
namespace {

// The service's Image and the engine's share one layout; the seam keeps the service's
// public headers free of engine types, so pixels are copied at this edge.
pixforge::Image to_engine(const Image& in) {
  pixforge::Image out;
  out.width = in.width;
  out.height = in.height;
  out.channels = in.channels;
  out.pixels = in.pixels;
  return out;
}

Image from_engine(pixforge::Image&& in) {
  Image out;
  out.width = in.width;
  out.height = in.height;
  out.channels = in.channels;
  out.pixels = std::move(in.pixels);
  return out;
}

std::span<const std::uint8_t> as_span(const std::string& bytes) {
  return {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
}

// libpng reports a header over its user limits as "Invalid IHDR data", like a corrupt header,
// so a PNG's declared size is read here (IHDR is always the first chunk, at a fixed offset)
// to tell "too large" from "broken".
bool png_declares_too_much(const std::string& bytes, const DecodeLimits& limits) {
  if (bytes.size() < 24 || bytes.compare(12, 4, "IHDR") != 0) return false;
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(bytes[at + i]);
    return static_cast<std::int64_t>(v);
  };
  const std::int64_t w = be32(16), h = be32(20);
  return w > limits.max_side || h > limits.max_side || w * h > limits.max_pixels;
}

}  // namespace

std::string encode_png(const Image& image) {
  if (image.width <= 0 || image.height <= 0 || (image.channels != 3 && image.channels != 4) ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * image.channels)
    throw std::invalid_argument("encode_png: image size and pixel buffer disagree");
  EncodeOptions options;
  options.png_text = image.text;
  const auto bytes = encode_image(to_engine(image), ImageFormat::Png, options);
  return std::string(bytes.begin(), bytes.end());
}

std::string sniff_image_format(const std::string& bytes) {
  try {
    return image_format_name(detect_image_format(as_span(bytes)));
  } catch (const ImageError&) {
    return "";
  }
}

Image decode_image_bytes(const std::string& bytes, const DecodeLimits& limits) {
  const std::string format = sniff_image_format(bytes);
  if (format.empty())
    throw ImageDecodeError(ImageDecodeError::Kind::kUnsupportedFormat,
                           "not a PNG, JPEG or WebP image");
  if (format == "png" && png_declares_too_much(bytes, limits))
    throw ImageDecodeError(ImageDecodeError::Kind::kTooLarge,
                           "png image declares more pixels than allowed");
  ImageLimits engine_limits;
  engine_limits.max_width = limits.max_side;
  engine_limits.max_height = limits.max_side;
  engine_limits.max_pixels = limits.max_pixels;
  try {
    return from_engine(decode_image(as_span(bytes), engine_limits));
  } catch (const ImageError& e) {
    // The JPEG and WebP decoders (and PNG's pixel count) refuse a declared size over the
    // limits before allocating with "... exceeds the limit ..."; every other ImageError is
    // bad data.
    const std::string_view what = e.what();
    const bool too_large = what.find("exceeds") != std::string_view::npos &&
                           what.find("limit") != std::string_view::npos;
    throw ImageDecodeError(
        too_large ? ImageDecodeError::Kind::kTooLarge : ImageDecodeError::Kind::kCorrupt, e.what());
  }
}

Image decode_png(const std::string& bytes, std::int64_t max_pixels) {
  DecodeLimits limits;
  limits.max_pixels = max_pixels;
  limits.max_side = 1 << 16;  // the pixel count bounds what a stored image may allocate
  return decode_image_bytes(bytes, limits);
}

}  // namespace pixforge::service
