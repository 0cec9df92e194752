// Golden files: reference outputs written by the PyTorch scripts in tools/reference/ in the
// safetensors layout (8-byte little-endian header length, JSON header, raw little-endian data),
// with "__metadata__": {"format": "pixforge-golden", "version": "<n>", ...}. Read here with no
// engine dependency beyond core's dtype conversions, so tests of every area can use them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace pixforge::testing {

struct GoldenTensor {
  std::vector<std::int64_t> shape;
  std::vector<float> values;   // f32/f16/bf16 widened to f32; i32/i64 converted
  std::vector<std::int64_t> ints;  // i32/i64 tensors also kept exactly here
};

struct Golden {
  std::map<std::string, std::string> metadata;
  std::map<std::string, GoldenTensor> tensors;
  const GoldenTensor& at(const std::string& name) const;  // throws naming the tensor
};

// Reads a golden file; checks the format tag and that metadata "version" equals
// `expected_version` (prints a hint to re-run the generating script when stale).
Golden load_golden(const std::string& path, int expected_version);

struct Diff {
  double max_abs = 0, max_rel = 0, rmse = 0;
  std::size_t worst_index = 0;
  double psnr(double peak = 1.0) const;
};
Diff compare(const std::vector<float>& actual, const std::vector<float>& expected);

// EXPECT-style check: every |a - e| <= atol + rtol·|e|; prints the first few mismatches side
// by side, the max difference and its index.
::testing::AssertionResult all_close(const std::vector<float>& actual,
                                     const std::vector<float>& expected, double atol, double rtol);

}  // namespace pixforge::testing
