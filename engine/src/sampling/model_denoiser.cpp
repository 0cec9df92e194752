#include <cmath>
#include <stdexcept>
#include <string>

#include "lincomb.h"
#include "pixforge/core/ops.h"
#include "pixforge/sampling/denoiser.h"

namespace pixforge::sampling {
namespace {

// calculate_denoised: ε: x - out·σ;  v: x/(σ²+1) - out·σ/√(σ²+1)   (σ_data = 1).
Tensor to_denoised(Prediction prediction, const Tensor& x, const Tensor& out, double sigma) {
  if (prediction == Prediction::Epsilon) return detail::axpy(-sigma, out, x);
  const double s2 = sigma * sigma + 1.0;
  return detail::axpby(1.0 / s2, x, -sigma / std::sqrt(s2), out);
}

void check_output(const Tensor& out, const Tensor& x_in) {
  if (!out.defined() || out.shape() != x_in.shape()) {
    throw std::runtime_error("model returned " + (out.defined() ? out.shape().str() : "nothing") +
                             " for input " + x_in.shape().str());
  }
}

}  // namespace

Prediction parse_prediction(std::string_view text) {
  if (text == "eps" || text == "epsilon") return Prediction::Epsilon;
  if (text == "v" || text == "v_prediction") return Prediction::V;
  throw std::invalid_argument("unknown prediction type '" + std::string(text) +
                              "': expected 'eps' or 'v'");
}

Denoiser make_model_denoiser(const DiscreteSchedule& schedule, ModelFn model,
                             const ModelDenoiserOptions& options) {
  if (!model) throw std::invalid_argument("make_model_denoiser: no model");
  if (!std::isfinite(options.cfg_scale)) throw std::invalid_argument("cfg scale must be finite");
  return [&schedule, model = std::move(model), options](const Tensor& x, float sigma) -> Tensor {
    if (!(sigma > 0) || !std::isfinite(sigma)) {
      throw std::invalid_argument("denoiser called with sigma " + std::to_string(sigma));
    }
    // calculate_input: x / sqrt(σ² + σ_data²), σ_data = 1.
    const Tensor x_in =
        detail::scaled(x, 1.0 / std::sqrt(static_cast<double>(sigma) * sigma + 1.0));
    const float t = options.timestep_mode == TimestepMode::Nearest
                        ? static_cast<float>(schedule.timestep(sigma))
                        : schedule.timestep_interpolated(sigma);
    if (options.cfg_scale == 1.0f) {
      const Tensor out = model(x_in, t, Conditioning::Cond);
      check_output(out, x_in);
      return to_denoised(options.prediction, x, out, sigma);
    }
    // One model call of batch 2N: [uncond; cond].
    const Tensor both = ops::concat({x_in, x_in}, 0);
    const Tensor out = model(both, t, Conditioning::UncondAndCond);
    check_output(out, both);
    const std::int64_t n = x.dim(0);
    const Tensor uncond = to_denoised(options.prediction, x, out.slice0(0, n), sigma);
    const Tensor cond = to_denoised(options.prediction, x, out.slice0(n, 2 * n), sigma);
    // cfg_function: uncond + (cond - uncond) * cfg
    return ops::add(uncond, detail::scaled(detail::sub(cond, uncond), options.cfg_scale));
  };
}

}  // namespace pixforge::sampling
