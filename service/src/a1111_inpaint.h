// A1111 inpainting options (generator.h InpaintOptions): their keys in the A1111 infotext and
// their form in a job's sealed parameters (so a requeued job inpaints as it was asked to).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "pixforge/service/generator.h"

namespace pixforge::service {

// The infotext keys A1111 writes for these choices, in its order ("Mask mode", "Mask blur",
// "Inpaint area", "Masked area padding", "Masked content"); keys for its defaults that it
// leaves out (original content, whole picture, no blur) are left out here too.
std::vector<std::pair<std::string, std::string>> a1111_inpaint_keys(const InpaintOptions& o);

nlohmann::json inpaint_json(const InpaintOptions& o);
// Throws std::runtime_error for a malformed stored value.
InpaintOptions inpaint_from_json(const nlohmann::json& j);

}  // namespace pixforge::service
