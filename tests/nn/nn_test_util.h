// Helpers shared by the network tests: golden tensors onto a backend, stage comparison with a
// tolerance scaled to the tensor's magnitude, backends for both compute modes.
#pragma once

#include <cmath>
#include <memory>
#include <string>

#include "pixforge/cpu/cpu_backend.h"
#include "testing/golden.h"
#include "testing/paths.h"

namespace pixforge::testing {

inline std::unique_ptr<Backend> cpu_backend(DType compute) {
  CpuBackendOptions o;
  o.compute_type = compute;
  return make_cpu_backend(o);
}

// Test-name suffix for suites parameterised on the compute type.
inline std::string compute_name(const ::testing::TestParamInfo<DType>& p) {
  return std::string(dtype_name(p.param));
}

inline Shape to_shape(const std::vector<std::int64_t>& dims) {
  Shape s;
  for (std::int64_t d : dims) s.push_back(d);
  return s;
}

inline Tensor golden_tensor(Backend& backend, const Golden& g, const std::string& name) {
  const GoldenTensor& t = g.at(name);
  return Tensor::from_host(backend, to_shape(t.shape), t.values);
}

inline double rms(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double{x} * x;
  return std::sqrt(s / static_cast<double>(std::max<std::size_t>(v.size(), 1)));
}

// Every |a - e| <= tol·rms(e) + tol·|e|: a relative tolerance that does not blow up on the
// near-zero elements every activation map has. Reports the stage by name on failure.
inline ::testing::AssertionResult close_to_golden(const std::string& stage, const Tensor& actual,
                                                  const GoldenTensor& expected, double tol) {
  if (to_shape(expected.shape) != actual.shape()) {
    return ::testing::AssertionFailure() << stage << ": shape " << actual.shape().str()
                                         << " != golden " << to_shape(expected.shape).str();
  }
  const std::vector<float> a = actual.to_host();
  for (float x : a) {
    if (!std::isfinite(x)) return ::testing::AssertionFailure() << stage << ": non-finite value";
  }
  ::testing::AssertionResult r = all_close(a, expected.values, tol * rms(expected.values), tol);
  if (!r) r << " [stage " << stage << "]";
  return r;
}

}  // namespace pixforge::testing
