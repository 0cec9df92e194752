// Small linear combinations the samplers are written in, each a couple of pixforge::ops calls
// (so they run on any backend). Coefficients are computed in double by the caller and applied in
// float, as the ops do.
#pragma once

#include "pixforge/core/tensor.h"

namespace pixforge::sampling::detail {

Tensor scaled(const Tensor& x, double a);                            // a*x
Tensor axpy(double a, const Tensor& x, const Tensor& y);             // y + a*x
Tensor axpby(double a, const Tensor& x, double b, const Tensor& y);  // a*x + b*y
Tensor sub(const Tensor& x, const Tensor& y);                        // x - y
// k-diffusion's to_d: the ODE derivative (x - denoised) / sigma.
Tensor to_d(const Tensor& x, double sigma, const Tensor& denoised);

// get_ancestral_step: the sigma to step down to and the noise to add back.
struct AncestralStep {
  double down = 0, up = 0;
};
AncestralStep ancestral_step(double sigma_from, double sigma_to, double eta);

}  // namespace pixforge::sampling::detail
