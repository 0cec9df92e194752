#include "cephes_mathf.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace pixforge::sampling::detail {
namespace {

std::uint32_t bits_of(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float float_of(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Cephes logf coefficients (log(1+x) = x - x^2/2 + x^3 * P(x)).
constexpr float kLogP[9] = {7.0376836292E-2f,  -1.1514610310E-1f, 1.1676998740E-1f,
                            -1.2420140846E-1f, 1.4249322787E-1f,  -1.6668057665E-1f,
                            2.0000714765E-1f,  -2.4999993993E-1f, 3.3333331174E-1f};
constexpr float kLogQ1 = -2.12194440e-4f;  // log(2) = kLogQ2 + kLogQ1, split for exactness
constexpr float kLogQ2 = 0.693359375f;
constexpr float kSqrtHalf = 0.707106781186547524f;

// Cephes sinf/cosf: argument reduction by pi/4 in three parts, then two polynomials.
constexpr float kFourOverPi = 1.27323954473516f;
constexpr float kMinusDp1 = -0.78515625f;
constexpr float kMinusDp2 = -2.4187564849853515625e-4f;
constexpr float kMinusDp3 = -3.77489497744594108e-8f;
constexpr float kSinP[3] = {-1.9515295891E-4f, 8.3321608736E-3f, -1.6666654611E-1f};
constexpr float kCosP[3] = {2.443315711809948E-005f, -1.388731625493765E-003f,
                            4.166664568298827E-002f};

}  // namespace

float cephes_logf(float x) {
  const bool invalid = !(x > 0.0f);
  x = std::fmax(x, std::numeric_limits<float>::min());  // flush denormals to the smallest normal
  const std::uint32_t u = bits_of(x);
  // Mantissa in [0.5, 1), exponent so that x = m * 2^e.
  float m = float_of((u & ~0x7f800000u) | bits_of(0.5f));
  float e = static_cast<float>(static_cast<std::int32_t>(u >> 23) - 0x7f) + 1.0f;
  const bool below = m < kSqrtHalf;  // then use 2m - 1 and e - 1 (better conditioned)
  const float tmp = below ? m : 0.0f;
  m = m - 1.0f;
  e = e - (below ? 1.0f : 0.0f);
  m = m + tmp;

  const float z = m * m;
  float y = kLogP[0];
  for (int k = 1; k < 9; ++k) y = std::fma(y, m, kLogP[k]);  // fused Horner steps
  y = y * m;
  y = std::fma(y, z, e * kLogQ1);  // fused: y*z + e*q1
  y = std::fma(-z, 0.5f, y);       // fused: y - z/2
  float r = m + y;
  r = std::fma(e, kLogQ2, r);  // fused: e*q2 + r
  return invalid ? std::numeric_limits<float>::quiet_NaN() : r;
}

void cephes_sincosf(float x, float* sin_out, float* cos_out) {
  const bool negative = std::signbit(x);
  const float ax = std::fabs(x);
  // Octant j, rounded up to even, and the reduced argument ax - j*pi/4 in extended precision.
  std::int32_t j = static_cast<std::int32_t>(ax * kFourOverPi);
  j = (j + 1) & ~1;
  const float jf = static_cast<float>(j);
  float r = std::fma(jf, kMinusDp1, ax);
  r = std::fma(jf, kMinusDp2, r);
  r = std::fma(jf, kMinusDp3, r);

  const bool sin_flip = (j & 4) != 0;
  const bool cos_flip = ((j - 2) & 4) == 0;
  const bool use_sin_poly_for_sin = (j & 2) == 0;

  const float z = r * r;
  float yc = std::fma(kCosP[0], z, kCosP[1]);
  yc = std::fma(yc, z, kCosP[2]);
  yc = yc * z;
  yc = std::fma(yc, z, -(z * 0.5f));  // fused: yc*z - z/2
  yc = yc + 1.0f;

  float ys = std::fma(kSinP[0], z, kSinP[1]);
  ys = std::fma(ys, z, kSinP[2]);
  ys = ys * z;
  ys = std::fma(ys, r, r);  // fused: ys*r + r

  // Both results are assembled with the same additions of zeros the vector code does.
  const float sin_from_sin = use_sin_poly_for_sin ? ys : 0.0f;
  const float sin_from_cos = use_sin_poly_for_sin ? 0.0f : yc;
  float s = sin_from_cos + sin_from_sin;
  float c = (yc - sin_from_cos) + (ys - sin_from_sin);
  if (negative != sin_flip) s = -s;
  if (cos_flip) c = -c;
  *sin_out = s;
  *cos_out = c;
}

}  // namespace pixforge::sampling::detail
