// Uploaded images (P4): decoded and checked (format by magic bytes, dimensions, pixel count
// before allocation), and only the decoded pixels are kept; the service re-encodes them, so
// no EXIF/XMP/IPTC/GPS or other metadata of the original survives, and the original bytes are
// never stored.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "pixforge/service/config.h"
#include "pixforge/service/generator.h"

namespace pixforge::service {

// Decodes upload bytes; throws ApiError 400/413/415 naming `field` and the rule broken.
Image decode_upload(const std::string& bytes, const Limits& limits, const std::string& field);
// A JSON string field holding base64 or a data: URL.
Image decode_upload_field(const nlohmann::json& body, const char* field, const Limits& limits);
std::string base64_decode(const std::string& text, const std::string& field);

}  // namespace pixforge::service
