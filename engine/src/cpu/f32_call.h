// Presents an OpCall's inputs and output as f32 arrays, converting f16/bf16 tensors through
// scratch copies, so kernels written for f32 accept every float dtype the seam allows.
#pragma once

#include <array>
#include <vector>

#include "pixforge/core/backend.h"

namespace pixforge::cpu {

class F32Call {
 public:
  explicit F32Call(const OpCall& call);
  F32Call(const F32Call&) = delete;
  F32Call& operator=(const F32Call&) = delete;

  // Input i as f32 (nullptr for an unused slot).
  const float* in(std::size_t i) const { return in_[i]; }
  // The output buffer kernels write f32 results into.
  float* out() { return out_; }
  // Converts the f32 results into the output tensor when it is not f32.
  void finish();

 private:
  const OpCall& call_;
  std::array<const float*, 4> in_{};
  std::array<std::vector<float>, 4> in_scratch_;
  float* out_ = nullptr;
  std::vector<float> out_scratch_;
};

// f32 copy of a host tensor (any float dtype).
std::vector<float> to_f32_vector(const Tensor& t);

}  // namespace pixforge::cpu
