// Single-precision log and sin/cos evaluated exactly as torch's AVX2 normal kernel evaluates them
// (Cephes polynomials from avx_mathfun.h, as GCC compiled them for torch's x86 builds: the
// multiply-adds marked below are fused, everything else rounds after each operation). Scalar code,
// so results are the same on any CPU; the file must be built with -ffp-contract=off.
#pragma once

namespace pixforge::sampling::detail {

// Natural log for x in (0, 1] (the Box-Muller radius argument); NaN for x <= 0.
float cephes_logf(float x);
// sin and cos of x for 0 <= x < 8 (the Box-Muller angle 2*pi*u).
void cephes_sincosf(float x, float* sin_out, float* cos_out);

}  // namespace pixforge::sampling::detail
