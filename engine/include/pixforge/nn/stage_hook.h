// Debug hook shared by the networks: called with the name of each intermediate the network
// exposes ("input_blocks.3", "middle_block", "decoder.up.2", ...) and its value, so goldens can
// be compared stage by stage and a regression is pinned to the block that introduced it.
#pragma once

#include <functional>
#include <string_view>

#include "pixforge/core/tensor.h"

namespace pixforge::nn {

using StageHook = std::function<void(std::string_view name, const Tensor& value)>;

}  // namespace pixforge::nn
