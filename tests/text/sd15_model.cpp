#include "sd15_model.h"

#include <memory>

#include "pixforge/cpu/cpu_backend.h"
#include "synthetic_weights.h"
#include "testing/paths.h"

namespace pixforge::text::testing_support {

const TensorSource& sd15_weights() {
  static const std::unique_ptr<TensorSource> weights = synthetic::make_component_source(
      synthetic::read_layout(testing::golden_path("layouts/sd15_clip.json")),
      "cond_stage_model.transformer.");
  return *weights;
}

const testing::Golden& sd15_golden() {
  static const testing::Golden golden =
      testing::load_golden(testing::golden_path("text/clip_sd15.safetensors"), 1);
  return golden;
}

const ClipTextEncoder& sd15_f32_encoder() {
  static const std::unique_ptr<Backend> backend = make_cpu_backend({DType::F32, 0});
  static const ClipTextEncoder encoder(*backend, sd15_weights(), ClipTextOptions::sd1());
  return encoder;
}

}  // namespace pixforge::text::testing_support
