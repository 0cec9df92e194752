// Uploaded images (P4): PNG, JPEG or WebP, decoded and checked (format by magic bytes,
// dimensions and pixel count before allocation, so a small file declaring a huge image is
// refused rather than inflated), and only the decoded pixels are kept; the service re-encodes
// them as PNG, so no EXIF/XMP/IPTC/GPS or other metadata of the original survives, and the
// original bytes are never stored.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "pixforge/service/config.h"
#include "pixforge/service/generator.h"

namespace pixforge::service {

// Decodes upload bytes; throws ApiError 400 (corrupt), 413 (too many pixels or too long a
// side) or 415 (not PNG/JPEG/WebP) naming `field` and the rule broken.
Image decode_upload(const std::string& bytes, const Limits& limits, const std::string& field);
// A JSON string field holding base64 or a data: URL.
Image decode_upload_field(const nlohmann::json& body, const char* field, const Limits& limits);
std::string base64_decode(const std::string& text, const std::string& field);

// Edit masks in the one form the Generator takes (RGB grey, 255 = regenerate, 0 = keep), from
// each API's convention; both throw ApiError 400 naming `field` when the mask and the image
// differ in size.
// OpenAI: the fully transparent areas are the ones to edit; the mask must have alpha.
Image mask_from_alpha(const Image& mask, const Image& image, const std::string& field);
// A1111: white areas are the ones to inpaint (`invert`: black ones, inpainting_mask_invert).
Image mask_from_luminance(const Image& mask, bool invert, const Image& image,
                          const std::string& field);

}  // namespace pixforge::service
