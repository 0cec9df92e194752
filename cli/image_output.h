// Output image paths checked when the flags are parsed, before any model loads: a name with no
// image extension, a missing folder or an alpha output in JPEG fails in milliseconds instead of
// after a long run, and leaves nothing behind.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "pixforge/image/codec.h"

namespace pixforge::cli {

// Empty when `path` can take an image (returns why not otherwise). With `needs_alpha`, JPEG is
// refused: it has no alpha channel and would composite the cut-out over white.
inline std::string image_output_error(const std::string& path, bool needs_alpha) {
  ImageFormat format;
  try {
    format = image_format_from_path(path);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (needs_alpha && format == ImageFormat::Jpeg) {
    return "'" + path + "': JPEG has no alpha channel; use .png or .webp";
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    return "'" + path + "': folder " + parent.string() + " does not exist";
  }
  return {};
}

// CLI11 check for an output image option (exit status 105 and the message, like ExistingFile).
inline CLI::Validator ImageOutput(bool needs_alpha = false) {
  return CLI::Validator(
      [needs_alpha](std::string& path) { return image_output_error(path, needs_alpha); },
      needs_alpha ? "PNG|WEBP" : "PNG|JPEG|WEBP", "IMAGE_OUTPUT");
}

}  // namespace pixforge::cli
