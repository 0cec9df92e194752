// Every case of the op table on the CPU backend (f32 and bf16 compute) against the reference
// backend: same seeded inputs, NMSE within the case's tolerance, no NaN/inf, no writes outside
// the output (sentinels on both sides).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "op_cases.h"
#include "pixforge/cpu/cpu_backend.h"

namespace pixforge::testing {
namespace {

constexpr std::int64_t kGuard = 64;  // sentinel elements on each side of the output
constexpr std::uint8_t kSentinel = 0xA5;

struct Result {
  std::vector<float> values;
  bool guards_intact = true;
};

// Runs a case on `backend` straight through the seam, with the output placed between
// sentinel-filled guard regions of one buffer.
Result run_case(const OpCase& c, Backend& backend) {
  std::mt19937 rng(1234);
  BuiltCall b = c.build(backend, rng);
  const Shape shape = op_output_shape(b.call);
  const std::size_t esize = dtype_size(b.out_dtype);
  const std::size_t guard = kGuard * esize, body = static_cast<std::size_t>(shape.numel()) * esize;
  auto buffer = backend.allocate(body + 2 * guard);
  std::memset(buffer->data(), kSentinel, buffer->size());
  Tensor out(buffer, guard, shape, b.out_dtype);
  b.call.out = &out;
  EXPECT_TRUE(backend.supports_op(b.call)) << backend.name() << ": " << c.name;
  backend.compute(b.call);
  Result r;
  r.values = out.to_host();
  const auto* bytes = static_cast<const std::uint8_t*>(buffer->data());
  for (std::size_t i = 0; i < guard; ++i) {
    r.guards_intact &= bytes[i] == kSentinel && bytes[guard + body + i] == kSentinel;
  }
  return r;
}

class BackendOps : public ::testing::TestWithParam<std::size_t> {};

void check_against_reference(const OpCase& c, DType compute) {
  auto reference = make_reference_backend();
  auto cpu = make_cpu_backend({compute, 0});
  const Result expected = run_case(c, *reference);
  const Result actual = run_case(c, *cpu);
  ASSERT_TRUE(expected.guards_intact) << "reference wrote outside its output: " << c.name;
  EXPECT_TRUE(actual.guards_intact) << "cpu wrote outside its output: " << c.name;
  ASSERT_EQ(actual.values.size(), expected.values.size());
  std::size_t bad = 0;
  for (float v : actual.values) bad += !std::isfinite(v);
  EXPECT_EQ(bad, 0u) << "non-finite outputs in " << c.name;
  const double tol = compute == DType::F32 ? c.tol_f32 : c.tol_bf16;
  const double err = nmse(actual.values, expected.values);
  EXPECT_LE(err, tol) << c.name << " compute " << dtype_name(compute) << ": NMSE " << err;
}

TEST_P(BackendOps, CpuF32MatchesReference) {
  check_against_reference(op_cases()[GetParam()], DType::F32);
}

TEST_P(BackendOps, CpuBf16MatchesReference) {
  check_against_reference(op_cases()[GetParam()], DType::BF16);
}

std::string case_label(const ::testing::TestParamInfo<std::size_t>& info) {
  std::string label =
      std::to_string(info.param) + "_" + std::string(op_name(op_cases()[info.param].kind));
  return label;
}

INSTANTIATE_TEST_SUITE_P(Table, BackendOps, ::testing::Range<std::size_t>(0, op_cases().size()),
                         case_label);

TEST(BackendOpsCoverage, EveryOpKindHasCases) {
  std::set<OpKind> covered;
  for (const OpCase& c : op_cases()) covered.insert(c.kind);
  for (int k = 0; k <= static_cast<int>(kLastOpKind); ++k) {
    EXPECT_TRUE(covered.count(static_cast<OpKind>(k)))
        << "no test case for " << op_name(static_cast<OpKind>(k));
  }
}

}  // namespace
}  // namespace pixforge::testing
