// The seam between samplers and networks. A sampler only ever calls a Denoiser: given the
// noisy latent x (NHWC) at noise level sigma it returns the predicted clean latent. ModelDenoiser
// builds one from a diffusion network's ε or v output, with classifier-free guidance, exactly as
// ComfyUI wraps a model (calculate_input / calculate_denoised / cfg_function).
#pragma once

#include <functional>
#include <string_view>

#include "pixforge/core/tensor.h"
#include "pixforge/sampling/discrete_schedule.h"

namespace pixforge::sampling {

using Denoiser = std::function<Tensor(const Tensor& x, float sigma)>;

enum class Prediction { Epsilon, V };
// "eps" / "epsilon" / "v"; throws std::invalid_argument otherwise.
Prediction parse_prediction(std::string_view text);

// Which conditioning the network is asked for.
enum class Conditioning {
  Cond,           // batch N: the prompt's conditioning
  UncondAndCond,  // batch 2N: rows [0, N) unconditional, rows [N, 2N) the prompt's
};

// The network: x_in is the scaled latent (NHWC, batch N or 2N), timestep the UNet's t. Returns
// its raw output (ε or v), shaped like x_in.
using ModelFn = std::function<Tensor(const Tensor& x_in, float timestep, Conditioning which)>;

enum class TimestepMode {
  Nearest,       // ComfyUI: the index of the nearest log-sigma (default)
  Interpolated,  // k-diffusion sigma_to_t(quantize=False)
};

struct ModelDenoiserOptions {
  Prediction prediction = Prediction::Epsilon;
  // uncond + (cond - uncond) * cfg_scale on the denoised predictions; at exactly 1 the
  // unconditional pass is skipped (ComfyUI's cfg1 optimisation).
  float cfg_scale = 1.0f;
  TimestepMode timestep_mode = TimestepMode::Nearest;
};

// `schedule` must outlive the returned Denoiser.
Denoiser make_model_denoiser(const DiscreteSchedule& schedule, ModelFn model,
                             const ModelDenoiserOptions& options);

}  // namespace pixforge::sampling
