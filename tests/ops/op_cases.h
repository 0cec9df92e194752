// The ggml test-backend-ops pattern: a declarative table of small, odd-shaped op cases. Each
// case builds its inputs from a seeded generator, so every backend sees identical values; the
// runner executes it on the reference backend and on the backend under test and compares.
#pragma once

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "pixforge/core/ops.h"

namespace pixforge::testing {

// One op call ready to run: the tensors it reads stay alive here.
struct BuiltCall {
  std::vector<Tensor> tensors;
  std::shared_ptr<const PreparedWeight> weight;
  OpCall call;
  DType out_dtype = DType::F32;
};

struct OpCase {
  std::string name;  // every parameter, so a failure names the exact case
  OpKind kind;
  // Largest normalised error (NMSE) allowed against the reference, per compute type.
  double tol_f32;
  double tol_bf16;
  std::function<BuiltCall(Backend&, std::mt19937&)> build;
};

// NMSE tolerances and why:
//  - kExact: f32 kernels differ from the f64-accumulating reference only by f32 rounding and
//    summation order (relative ~1e-7 per value, NMSE ~1e-13); 1e-9 leaves room for long sums
//    and vectorised exp/erf approximations accurate to a few ulps.
//  - kBf16: conv/linear/attention operands rounded to bf16 (8-bit mantissa, relative 2^-9)
//    give NMSE ~ 2 * (2^-9)^2 / 3 ~ 3e-6 per product; 1e-4 allows long reductions.
constexpr double kExact = 1e-9;
constexpr double kBf16 = 1e-4;

const std::vector<OpCase>& op_cases();

// Uniform random values in [lo, hi) on `backend`, stored as `dtype`.
Tensor random_tensor(Backend& backend, std::mt19937& rng, Shape shape, DType dtype = DType::F32,
                     float lo = -1.0f, float hi = 1.0f);

// Normalised mean squared error sum((a-b)^2) / sum(b^2) (absolute when b is all zero).
double nmse(const std::vector<float>& actual, const std::vector<float>& expected);

}  // namespace pixforge::testing
