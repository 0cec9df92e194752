#include "sleef_logf.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace pixforge::sampling::detail {
namespace {

// A value as an unevaluated sum hi + lo (SLEEF's vfloat2).
struct DoubleFloat {
  float x, y;
};

// Exact sum of two floats (no ordering assumption).
DoubleFloat add2(float x, float y) {
  const float s = x + y;
  const float v = s - x;
  return {s, (x - (s - v)) + (y - v)};
}

// Sum assuming |x| >= |y|.
DoubleFloat add(DoubleFloat x, DoubleFloat y) {
  const float s = x.x + y.x;
  return {s, (((x.x - s) + y.x) + x.y) + y.y};
}

DoubleFloat add(DoubleFloat x, float y) {
  const float s = x.x + y;
  return {s, ((x.x - s) + y) + x.y};
}

DoubleFloat mul(DoubleFloat x, float y) {
  const float s = x.x * y;
  return {s, std::fma(x.y, y, std::fma(x.x, y, -s))};
}

DoubleFloat scale(DoubleFloat d, float s) { return {d.x * s, d.y * s}; }

DoubleFloat div(DoubleFloat n, DoubleFloat d) {
  const float t = 1.0f / d.x;
  const float s = n.x * t;
  const float u = std::fma(t, n.x, -s);
  const float v = std::fma(-d.y, t, std::fma(-d.x, t, 1.0f));
  return {s, std::fma(s, v, std::fma(n.y, t, u))};
}

// Unbiased exponent of a normal float (SLEEF's vilogb2k).
int ilogb2k(float d) {
  return static_cast<int>((std::bit_cast<std::uint32_t>(d) >> 23) & 0xffu) - 0x7f;
}

// d * 2^q by adding to the exponent field (SLEEF's vldexp3).
float ldexp3(float d, int q) {
  return std::bit_cast<float>(
      std::bit_cast<std::uint32_t>(d) +
      (static_cast<std::uint32_t>(q) << 23));  // two's complement wrap subtracts for q < 0
}

}  // namespace

float sleef_logf(float d) {
  const bool tiny = d < std::numeric_limits<float>::min();
  const float in = d;
  if (tiny) d *= 18446744073709551616.0f;  // 2^64: brings subnormals into the normal range
  int e = ilogb2k(d * (1.0f / 0.75f));
  const float m = ldexp3(d, -e);
  if (tiny) e -= 64;

  DoubleFloat s = mul({0.69314718246459960938f, -1.904654323148236017e-09f}, static_cast<float>(e));
  const DoubleFloat x = div(add2(-1.0f, m), add2(1.0f, m));
  const float x2 = x.x * x.x;
  float t = 0.3027294874e+0f;
  t = std::fma(t, x2, 0.3996108174e+0f);
  t = std::fma(t, x2, 0.6666694880e+0f);
  s = add(s, scale(x, 2.0f));
  s = add(s, (x2 * x.x) * t);
  float r = s.x + s.y;

  if (std::isinf(in) && in > 0) r = std::numeric_limits<float>::infinity();
  if (in < 0 || std::isnan(in)) r = std::numeric_limits<float>::quiet_NaN();
  if (in == 0) r = -std::numeric_limits<float>::infinity();
  return r;
}

}  // namespace pixforge::sampling::detail
