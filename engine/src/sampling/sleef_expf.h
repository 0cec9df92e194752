// expf as torch's CPU kernels compute it: torch evaluates float exp through SLEEF's vector
// expf (1-ulp accurate), never libm, even for a single element. Schedules that exponentiate
// (normal, sgm_uniform, exponential) use this scalar restatement so their sigmas match ComfyUI's
// bit for bit. Needs -ffp-contract=off (its multiply-adds are explicit fma, as on AVX2 + FMA).
#pragma once

namespace pixforge::sampling::detail {

float sleef_expf(float x);

}  // namespace pixforge::sampling::detail
