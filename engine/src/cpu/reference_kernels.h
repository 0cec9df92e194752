// Naive, obviously-correct f32 loops for every OpKind: the oracle the fast CPU kernels are
// tested against, and the CPU backend's fallback for shapes its fast paths do not cover.
#pragma once

#include <vector>

#include "pixforge/core/backend.h"

namespace pixforge::cpu {

// A conv/linear weight as plain f32 arrays in PyTorch layout (OIHW / [out, in]).
struct F32Weight {
  Shape shape;
  Conv2dSpec spec;
  std::vector<float> w;
  std::vector<float> bias;  // empty when the weight has none
};

// Runs a validated call (see ops.cpp's seam contract) with naive loops. `weight` is required for
// Conv2d and Linear, ignored otherwise.
void reference_compute(const OpCall& call, const F32Weight* weight);

}  // namespace pixforge::cpu
