#include "lincomb.h"

#include <algorithm>
#include <cmath>

#include "pixforge/core/ops.h"

namespace pixforge::sampling::detail {

Tensor scaled(const Tensor& x, double a) { return ops::scale_bias(x, static_cast<float>(a)); }

Tensor axpy(double a, const Tensor& x, const Tensor& y) { return ops::add(y, scaled(x, a)); }

Tensor axpby(double a, const Tensor& x, double b, const Tensor& y) {
  return ops::add(scaled(x, a), scaled(y, b));
}

Tensor sub(const Tensor& x, const Tensor& y) { return ops::add(x, scaled(y, -1.0)); }

Tensor to_d(const Tensor& x, double sigma, const Tensor& denoised) {
  return scaled(sub(x, denoised), 1.0 / sigma);
}

AncestralStep ancestral_step(double sigma_from, double sigma_to, double eta) {
  if (eta == 0) return {sigma_to, 0.0};
  const double up =
      std::min(sigma_to, eta * std::sqrt(sigma_to * sigma_to *
                                         (sigma_from * sigma_from - sigma_to * sigma_to) /
                                         (sigma_from * sigma_from)));
  return {std::sqrt(sigma_to * sigma_to - up * up), up};
}

}  // namespace pixforge::sampling::detail
