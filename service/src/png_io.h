// PNG encode/decode for what the service itself stores (outputs, re-encoded uploads) via
// libpng's simplified API. Stored PNGs carry no metadata chunks at all.
#pragma once

#include <string>

#include "pixforge/service/generator.h"

namespace pixforge::service {

std::string encode_png(const Image& image);
// Decodes a PNG the service wrote (or any 8-bit PNG) to RGB/RGBA; throws on bad data or when
// it is larger than `max_pixels`.
Image decode_png(const std::string& bytes, std::int64_t max_pixels);

}  // namespace pixforge::service
