// Shared state of the pipeline tests: one synthetic SD 1.5 checkpoint in the build tree (written
// once for all test processes), one f32 Model loaded from it on first use, the reference golden.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "pixforge/pipeline/generation_params.h"
#include "pixforge/pipeline/model.h"
#include "testing/golden.h"

namespace pixforge::pipeline_test {

constexpr int kGoldenVersion = 1;

class PipelineTest : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static const std::string& checkpoint_path();
  static std::string vocab_path();
  static const pipeline::Model& model_f32();
  static const testing::Golden& golden();
};

// The settings of tools/reference/pipeline_txt2img.py's CASES[name].
pipeline::GenerationParams golden_case(const std::string& name);

}  // namespace pixforge::pipeline_test
