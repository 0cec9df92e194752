// The SD 1.5 CLIP text encoder on synthetic weights of the real layout (123M parameters) and
// its golden, built once per test binary and shared by the tests that need it (building and
// preparing the weights is most of their cost).
#pragma once

#include "pixforge/core/backend.h"
#include "pixforge/text/clip_text_encoder.h"
#include "testing/golden.h"

namespace pixforge::text::testing_support {

const TensorSource& sd15_weights();
const testing::Golden& sd15_golden();
// f32 compute on the CPU backend, ClipTextOptions::sd1().
const ClipTextEncoder& sd15_f32_encoder();

}  // namespace pixforge::text::testing_support
