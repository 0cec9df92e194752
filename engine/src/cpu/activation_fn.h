// Scalar definitions of every Activation, as PyTorch defines them. The reference backend uses
// them directly; vectorised kernels are checked against them.
#pragma once

#include <cmath>

#include "pixforge/core/backend.h"

namespace pixforge::cpu {

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

inline float gelu_erf(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }

inline float gelu_tanh(float x) {
  constexpr float kSqrt2OverPi = 0.79788456080286536f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
}

inline float activate(float x, Activation act) {
  switch (act) {
    case Activation::None:
      return x;
    case Activation::Relu:
      return x > 0.0f ? x : 0.0f;
    case Activation::Silu:
      return x * sigmoid(x);
    case Activation::Gelu:
      return gelu_erf(x);
    case Activation::GeluTanh:
      return gelu_tanh(x);
    case Activation::QuickGelu:
      return x * sigmoid(1.702f * x);
    case Activation::Sigmoid:
      return sigmoid(x);
    case Activation::Tanh:
      return std::tanh(x);
    case Activation::Relu6:
      return x > 0.0f ? (x < 6.0f ? x : 6.0f) : 0.0f;
  }
  return x;
}

}  // namespace pixforge::cpu
