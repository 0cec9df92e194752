// logf as torch's CPU kernels compute it: torch evaluates float log through SLEEF's vector
// Sleef_logf_u10 (double-float arithmetic, 1-ulp accurate), never libm, even for one element.
// The SDE samplers take logs of sigmas to form the intermediate sigma at which ComfyUI queries
// its Brownian tree; the tree rounds query times to 1e-6, so one ulp there changes the noise.
// Scalar restatement of the FMA build; needs -ffp-contract=off (its fused operations are explicit).
#pragma once

namespace pixforge::sampling::detail {

float sleef_logf(float x);

}  // namespace pixforge::sampling::detail
