#include "sleef_expf.h"

#include <cmath>
#include <limits>

namespace pixforge::sampling::detail {

float sleef_expf(float d) {
  // exp(d) = 2^q * exp(s) with s = d - q*ln2 (ln2 split in two parts for an exact reduction).
  constexpr float kInvLn2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
  constexpr float kLn2Hi = 0.693145751953125f;
  constexpr float kLn2Lo = 1.428606765330187045e-06f;
  const float qf = std::nearbyint(d * kInvLn2);  // round half to even, as cvtps2dq
  const int q = static_cast<int>(qf);
  float s = std::fma(qf, -kLn2Hi, d);
  s = std::fma(qf, -kLn2Lo, s);

  float u = 0.000198527617612853646278381f;
  u = std::fma(u, s, 0.00139304355252534151077271f);
  u = std::fma(u, s, 0.00833336077630519866943359f);
  u = std::fma(u, s, 0.0416664853692054748535156f);
  u = std::fma(u, s, 0.166666671633720397949219f);
  u = std::fma(u, s, 0.5f);
  u = 1.0f + std::fma(s * s, u, s);

  // ldexp in two halves, as SLEEF does, so that 2^q never overflows on its own.
  const int half = q >> 1;
  u = u * std::ldexp(1.0f, half) * std::ldexp(1.0f, q - half);
  if (d < -104.0f) u = 0.0f;
  if (d > 100.0f) u = std::numeric_limits<float>::infinity();
  return u;
}

}  // namespace pixforge::sampling::detail
