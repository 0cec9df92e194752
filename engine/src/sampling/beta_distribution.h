// The quantile function of the Beta(a, b) distribution, which ComfyUI's beta scheduler takes from
// scipy.stats.beta.ppf. Only its value scaled by 999 and rounded to an integer is used, so
// double precision with a 1e-14 bisection is ample.
#pragma once

namespace pixforge::sampling::detail {

// Regularised incomplete beta function I_x(a, b) for x in [0, 1], a, b > 0.
double incomplete_beta(double x, double a, double b);
// The x in [0, 1] with I_x(a, b) = p, for p in [0, 1].
double beta_ppf(double p, double a, double b);

}  // namespace pixforge::sampling::detail
