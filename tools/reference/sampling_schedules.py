"""Goldens for the sigma schedules (tests/sampling/schedule_test.cpp), restated from ComfyUI's
ModelSamplingDiscrete, calculate_sigmas/KSampler.set_steps (comfy/samplers.py) and
k-diffusion's get_sigmas_karras/get_sigmas_exponential, computed with torch ops so the values
carry torch's own float32/float64 rounding. The beta scheduler's quantiles come from mpmath
(40 digits) since scipy is not installed; only their rounding to integer timesteps matters.

Run: /usr/bin/python3 tools/reference/sampling_schedules.py
"""
import math
import os
import sys

import mpmath
import numpy
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden import write_golden  # noqa: E402

VERSION = 4
STEPS = [1, 2, 3, 4, 7, 10, 15, 16, 20, 25, 30, 33, 50, 100]
SCHEDULERS = ["normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta",
              "linear_quadratic", "kl_optimal"]


class DiscreteSchedule:
    def __init__(self, linear_start=0.00085, linear_end=0.012, timesteps=1000):
        betas = torch.linspace(linear_start ** 0.5, linear_end ** 0.5, timesteps,
                               dtype=torch.float64) ** 2
        alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
        sigmas = ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5
        self.sigmas = sigmas.float()
        self.log_sigmas = sigmas.log().float()

    @property
    def sigma_min(self):
        return self.sigmas[0]

    @property
    def sigma_max(self):
        return self.sigmas[-1]

    def timestep(self, sigma):  # nearest log-sigma
        dists = sigma.log() - self.log_sigmas[:, None]
        return dists.abs().argmin(dim=0).view(sigma.shape)

    def timestep_interpolated(self, sigma):  # k-diffusion sigma_to_t(quantize=False)
        log_sigma = sigma.log()
        dists = log_sigma - self.log_sigmas[:, None]
        low = dists.ge(0).cumsum(dim=0).argmax(dim=0).clamp(max=self.log_sigmas.shape[0] - 2)
        high = low + 1
        lo, hi = self.log_sigmas[low], self.log_sigmas[high]
        w = ((lo - log_sigma) / (lo - hi)).clamp(0, 1)
        return ((1 - w) * low + w * high).view(sigma.shape)

    def sigma(self, timestep):
        t = torch.clamp(timestep.float(), min=0, max=len(self.sigmas) - 1)
        low, high, w = t.floor().long(), t.ceil().long(), t.frac()
        return ((1 - w) * self.log_sigmas[low] + w * self.log_sigmas[high]).exp()


def append_zero(x):
    return torch.cat([x, x.new_zeros([1])])


def karras(n, sigma_min, sigma_max, rho=7.0):
    ramp = torch.linspace(0, 1, n)
    min_inv_rho = sigma_min ** (1 / rho)
    max_inv_rho = sigma_max ** (1 / rho)
    return append_zero((max_inv_rho + ramp * (min_inv_rho - max_inv_rho)) ** rho)


def exponential(n, sigma_min, sigma_max):
    return append_zero(torch.linspace(math.log(sigma_max), math.log(sigma_min), n).exp())


def normal(s, steps, sgm=False):
    start, end = s.timestep(s.sigma_max), s.timestep(s.sigma_min)
    append = True
    if sgm:
        ts = torch.linspace(start, end, steps + 1)[:-1]
    else:
        if math.isclose(float(s.sigma(end)), 0, abs_tol=0.00001):
            steps += 1
            append = False
        ts = torch.linspace(start, end, steps)
    sigs = [float(s.sigma(t)) for t in ts]
    if append:
        sigs.append(0.0)
    return torch.FloatTensor(sigs)


def simple(s, steps):
    ss = len(s.sigmas) / steps
    return torch.FloatTensor([float(s.sigmas[-(1 + int(x * ss))]) for x in range(steps)] + [0.0])


def ddim_uniform(s, steps):
    x = 1
    if math.isclose(float(s.sigmas[x]), 0, abs_tol=0.00001):
        steps += 1
        sigs = []
    else:
        sigs = [0.0]
    ss = max(len(s.sigmas) // steps, 1)
    while x < len(s.sigmas):
        sigs.append(float(s.sigmas[x]))
        x += ss
    return torch.FloatTensor(sigs[::-1])


def beta_ppf(p, a, b):
    """scipy.stats.beta.ppf (not installed here) at 40 digits with mpmath."""
    if p <= 0 or p >= 1:
        return float(p)
    mpmath.mp.dps = 40
    f = lambda x: mpmath.betainc(a, b, 0, x, regularized=True) - p  # noqa: E731
    return float(mpmath.findroot(f, (mpmath.mpf(1e-30), mpmath.mpf(1) - mpmath.mpf(1e-30)),
                                 solver="anderson"))


def beta(s, steps, alpha=0.6, beta_=0.6):
    total = len(s.sigmas) - 1
    ts = 1 - numpy.linspace(0, 1, steps, endpoint=False)
    ts = numpy.rint(numpy.array([beta_ppf(t, alpha, beta_) for t in ts]) * total)
    sigs, last_t = [], -1
    for t in ts:
        if t != last_t:
            sigs.append(float(s.sigmas[int(t)]))
        last_t = t
    return torch.FloatTensor(sigs + [0.0])


def linear_quadratic(s, steps, threshold_noise=0.025, linear_steps=None):
    if steps == 1:
        schedule = [1.0, 0.0]
    else:
        if linear_steps is None:
            linear_steps = steps // 2
        linear = [i * threshold_noise / linear_steps for i in range(linear_steps)]
        step_diff = linear_steps - threshold_noise * steps
        quadratic_steps = steps - linear_steps
        quadratic_coef = step_diff / (linear_steps * quadratic_steps ** 2)
        linear_coef = threshold_noise / linear_steps - 2 * step_diff / (quadratic_steps ** 2)
        const = quadratic_coef * (linear_steps ** 2)
        quadratic = [quadratic_coef * (i ** 2) + linear_coef * i + const
                     for i in range(linear_steps, steps)]
        schedule = [1.0 - x for x in linear + quadratic + [1.0]]
    return torch.FloatTensor(schedule) * s.sigma_max


def kl_optimal(n, sigma_min, sigma_max):
    adj = torch.arange(n, dtype=torch.float).div_(n - 1)
    sigmas = adj.new_zeros(n + 1)
    sigmas[:-1] = (adj * math.atan(sigma_min) + (1 - adj) * math.atan(sigma_max)).tan_()
    return sigmas


def calculate_sigmas(s, name, steps):
    if name == "normal":
        return normal(s, steps)
    if name == "sgm_uniform":
        return normal(s, steps, sgm=True)
    if name == "karras":
        return karras(steps, float(s.sigma_min), float(s.sigma_max))
    if name == "exponential":
        return exponential(steps, float(s.sigma_min), float(s.sigma_max))
    if name == "simple":
        return simple(s, steps)
    if name == "ddim_uniform":
        return ddim_uniform(s, steps)
    if name == "beta":
        return beta(s, steps)
    if name == "linear_quadratic":
        return linear_quadratic(s, steps)
    if name == "kl_optimal":
        return kl_optimal(steps, float(s.sigma_min), float(s.sigma_max))
    raise ValueError(name)


def sd_turbo(s, steps, denoise):
    start_step = 10 - int(10 * denoise)
    timesteps = torch.flip(torch.arange(1, 11) * 100 - 1, (0,))[start_step:start_step + steps]
    sigmas = s.sigma(timesteps)
    return torch.cat([sigmas, sigmas.new_zeros([1])])


def sampling_sigmas(s, name, steps, denoise=1.0, discard_penultimate=False):
    def full(n):
        if not discard_penultimate:
            return calculate_sigmas(s, name, n)
        sig = calculate_sigmas(s, name, n + 1)
        return torch.cat([sig[:-2], sig[-1:]])
    if denoise > 0.9999:
        return full(steps)
    return full(int(steps / denoise))[-(steps + 1):]


def main():
    s = DiscreteSchedule()
    out = {"sigmas": s.sigmas, "log_sigmas": s.log_sigmas}
    probe = torch.tensor([0.0292, 0.03, 0.1, 0.5, 1.0, 2.5, 7.0, 14.6, 14.6146, 20.0],
                         dtype=torch.float32)
    out["probe_sigma"] = probe
    out["probe_timestep"] = torch.stack([s.timestep(p) for p in probe]).long()
    out["probe_timestep_interp"] = torch.stack([s.timestep_interpolated(p) for p in probe])
    t = torch.tensor([0.0, 0.25, 1.5, 10.0, 333.3, 500.5, 998.9, 999.0], dtype=torch.float32)
    out["probe_t"] = t
    out["probe_t_sigma"] = torch.stack([s.sigma(x) for x in t])
    for name in SCHEDULERS:
        for steps in STEPS:
            if name == "kl_optimal" and steps == 1:
                continue  # 0/0 in ComfyUI; the C++ refuses it
            out[f"{name}.{steps}"] = calculate_sigmas(s, name, steps)
        for steps, denoise in [(10, 0.5), (20, 0.75), (7, 0.3), (4, 0.99995)]:
            out[f"{name}.{steps}.denoise{denoise}"] = sampling_sigmas(s, name, steps, denoise)
        out[f"{name}.10.discard"] = sampling_sigmas(s, name, 10, 1.0, True)
        out[f"{name}.10.denoise0.6.discard"] = sampling_sigmas(s, name, 10, 0.6, True)
    for steps, denoise in [(1, 1.0), (2, 1.0), (4, 1.0), (10, 1.0), (3, 0.5), (10, 0.55), (1, 0.3)]:
        out[f"turbo.{steps}.{denoise}"] = sd_turbo(s, steps, denoise)
    # v-prediction (SD 2.x 768-v) and a custom beta range share the same construction.
    out["alt.sigmas"] = DiscreteSchedule(0.0001, 0.02, 1000).sigmas
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "golden", "sampling", "schedules.safetensors")
    write_golden(path, out, VERSION, "tools/reference/sampling_schedules.py", torch=torch.__version__)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
