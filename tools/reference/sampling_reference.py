"""Goldens for the samplers and the model denoiser (tests/sampling/sampler_test.cpp).

A from-scratch restatement, in torch float32, of k-diffusion's samplers as ComfyUI runs them
(comfy/k_diffusion/sampling.py: euler, euler_ancestral, heun, dpm_2, dpmpp_2m, dpmpp_2m_sde
(midpoint), dpmpp_sde (r = 1/2), lcm; ddim = euler), ComfyUI's EPS/V_PREDICTION wrappers
(calculate_input, calculate_denoised, noise_scaling) and cfg_function. Ancestral/SDE noise comes
from k-diffusion's default_noise_sampler (a torch.Generator seeded with seed + offset); here the
SDE samplers use it too (the engine's --sde-noise gaussian). ComfyUI's default Brownian-tree noise
and its current dpmpp_sde form are checked by sampling_brownian.py.

The denoiser is a toy with a closed form, denoised = x * a / (sigma^2 + 1) + b, so every step's x
is stored and compared. Latents are NCHW here and stored NHWC (the engine's layout).

Run: /usr/bin/python3 tools/reference/sampling_reference.py
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden import write_golden  # noqa: E402
from sampling_schedules import DiscreteSchedule, sampling_sigmas  # noqa: E402

VERSION = 3
SHAPE = (2, 4, 5, 3)  # N, C, H, W
TOY_A = 0.8


def toy_b():
    k = torch.arange(math.prod(SHAPE), dtype=torch.float32)
    return (0.5 * torch.sin(0.37 * k)).reshape(SHAPE)


def toy_denoiser():
    b = toy_b()
    return lambda x, sigma: x * (TOY_A / (sigma ** 2 + 1)) + b


def noise_sampler(seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return lambda: torch.randn(SHAPE, generator=g)


def to_d(x, sigma, denoised):
    return (x - denoised) / sigma


def ancestral_step(sigma_from, sigma_to, eta=1.0):
    if not eta:
        return sigma_to, 0.0
    up = min(sigma_to, eta * (sigma_to ** 2 * (sigma_from ** 2 - sigma_to ** 2) / sigma_from ** 2) ** 0.5)
    return (sigma_to ** 2 - up ** 2) ** 0.5, up


def euler(model, x, sigmas, cb, noise):
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        cb(i, x, den)
        x = x + to_d(x, sigmas[i], den) * (sigmas[i + 1] - sigmas[i])
    return x


def euler_ancestral(model, x, sigmas, cb, noise):
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        down, up = ancestral_step(sigmas[i], sigmas[i + 1])
        cb(i, x, den)
        x = x + to_d(x, sigmas[i], den) * (down - sigmas[i])
        if sigmas[i + 1] > 0:
            x = x + noise() * up
    return x


def heun(model, x, sigmas, cb, noise):
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        d = to_d(x, sigmas[i], den)
        cb(i, x, den)
        dt = sigmas[i + 1] - sigmas[i]
        if sigmas[i + 1] == 0:
            x = x + d * dt
        else:
            x2 = x + d * dt
            d2 = to_d(x2, sigmas[i + 1], model(x2, sigmas[i + 1]))
            x = x + (d + d2) / 2 * dt
    return x


def dpm_2(model, x, sigmas, cb, noise):
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        d = to_d(x, sigmas[i], den)
        cb(i, x, den)
        if sigmas[i + 1] == 0:
            x = x + d * (sigmas[i + 1] - sigmas[i])
        else:
            mid = sigmas[i].log().lerp(sigmas[i + 1].log(), 0.5).exp()
            x2 = x + d * (mid - sigmas[i])
            d2 = to_d(x2, mid, model(x2, mid))
            x = x + d2 * (sigmas[i + 1] - sigmas[i])
    return x


def dpm_2_ancestral(model, x, sigmas, cb, noise, eta=1.0):
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        down, up = ancestral_step(sigmas[i], sigmas[i + 1], eta)
        cb(i, x, den)
        d = to_d(x, sigmas[i], den)
        if down == 0:
            x = x + d * (down - sigmas[i])
        else:
            mid = sigmas[i].log().lerp(down.log(), 0.5).exp()
            x2 = x + d * (mid - sigmas[i])
            d2 = to_d(x2, mid, model(x2, mid))
            x = x + d2 * (down - sigmas[i])
            x = x + noise() * up
    return x


def dpmpp_2s_ancestral(model, x, sigmas, cb, noise, eta=1.0):
    sigma_fn = lambda t: t.neg().exp()  # noqa: E731
    t_fn = lambda s: s.log().neg()  # noqa: E731
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        down, up = ancestral_step(sigmas[i], sigmas[i + 1], eta)
        cb(i, x, den)
        if down == 0:
            x = x + to_d(x, sigmas[i], den) * (down - sigmas[i])
        else:
            t, t_next = t_fn(sigmas[i]), t_fn(down)
            r = 1 / 2
            h = t_next - t
            s = t + r * h
            x2 = (sigma_fn(s) / sigma_fn(t)) * x - (-h * r).expm1() * den
            den2 = model(x2, sigma_fn(s))
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * den2
        if sigmas[i + 1] > 0:
            x = x + noise() * up
    return x


def dpmpp_2m(model, x, sigmas, cb, noise):
    sigma_fn = lambda t: t.neg().exp()  # noqa: E731
    t_fn = lambda s: s.log().neg()  # noqa: E731
    old = None
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        cb(i, x, den)
        t, t_next = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
        h = t_next - t
        if old is None or sigmas[i + 1] == 0:
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * den
        else:
            r = (t - t_fn(sigmas[i - 1])) / h
            den_d = (1 + 1 / (2 * r)) * den - (1 / (2 * r)) * old
            x = (sigma_fn(t_next) / sigma_fn(t)) * x - (-h).expm1() * den_d
        old = den
    return x


def dpmpp_2m_sde(model, x, sigmas, cb, noise, eta=1.0):
    old, h_last = None, None
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        cb(i, x, den)
        if sigmas[i + 1] == 0:
            x = den
        else:
            t, s = -sigmas[i].log(), -sigmas[i + 1].log()
            h = s - t
            eta_h = eta * h
            x = sigmas[i + 1] / sigmas[i] * (-eta_h).exp() * x + (-h - eta_h).expm1().neg() * den
            if old is not None:
                r = h_last / h
                x = x + 0.5 * (-h - eta_h).expm1().neg() * (1 / r) * (den - old)
            if eta:
                x = x + noise() * sigmas[i + 1] * (-2 * eta_h).expm1().neg().sqrt()
            h_last = h
        old = den
    return x


def dpmpp_sde(model, x, sigmas, cb, noise, eta=1.0, r=0.5):
    sigma_fn = lambda t: t.neg().exp()  # noqa: E731
    t_fn = lambda s: s.log().neg()  # noqa: E731
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        cb(i, x, den)
        if sigmas[i + 1] == 0:
            x = x + to_d(x, sigmas[i], den) * (sigmas[i + 1] - sigmas[i])
        else:
            t, t_next = t_fn(sigmas[i]), t_fn(sigmas[i + 1])
            h = t_next - t
            s = t + h * r
            fac = 1 / (2 * r)
            sd, su = ancestral_step(sigma_fn(t), sigma_fn(s), eta)
            s_ = t_fn(sd)
            x2 = (sigma_fn(s_) / sigma_fn(t)) * x - (t - s_).expm1() * den
            x2 = x2 + noise() * su
            den2 = model(x2, sigma_fn(s))
            sd, su = ancestral_step(sigma_fn(t), sigma_fn(t_next), eta)
            t_next_ = t_fn(sd)
            den_d = (1 - fac) * den + fac * den2
            x = (sigma_fn(t_next_) / sigma_fn(t)) * x - (t - t_next_).expm1() * den_d
            x = x + noise() * su
    return x


def lcm(model, x, sigmas, cb, noise):
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        cb(i, x, den)
        x = den
        if sigmas[i + 1] > 0:
            x = x + noise() * sigmas[i + 1]
    return x


SAMPLERS = {"euler": euler, "euler_ancestral": euler_ancestral, "heun": heun, "dpm_2": dpm_2,
            "dpm_2_ancestral": dpm_2_ancestral, "dpmpp_2s_ancestral": dpmpp_2s_ancestral,
            "dpmpp_2m": dpmpp_2m, "dpmpp_2m_sde": dpmpp_2m_sde, "dpmpp_sde": dpmpp_sde, "lcm": lcm,
            "ddim": euler}
DISCARD = {"dpm_2", "dpm_2_ancestral"}

# name -> (sampler, scheduler, steps, denoise, noise seed, ancestral seed offset)
CASES = {
    "euler": ("euler", "karras", 6, 1.0, 42, 0),
    "euler_ancestral": ("euler_ancestral", "karras", 6, 1.0, 42, 0),
    "euler_ancestral_offset1": ("euler_ancestral", "normal", 5, 1.0, 7, 1),
    "heun": ("heun", "karras", 5, 1.0, 42, 0),
    "dpm_2": ("dpm_2", "karras", 5, 1.0, 42, 0),
    "dpm_2_ancestral": ("dpm_2_ancestral", "karras", 5, 1.0, 8, 0),
    "dpmpp_2s_ancestral": ("dpmpp_2s_ancestral", "normal", 5, 1.0, 8, 0),
    "dpmpp_2m": ("dpmpp_2m", "karras", 6, 1.0, 42, 0),
    "dpmpp_2m_sde": ("dpmpp_2m_sde", "karras", 6, 1.0, 3, 0),
    "dpmpp_sde": ("dpmpp_sde", "karras", 5, 1.0, 3, 0),
    "lcm": ("lcm", "sgm_uniform", 4, 1.0, 11, 0),
    "ddim": ("ddim", "ddim_uniform", 6, 1.0, 42, 0),
    "euler_img2img": ("euler", "normal", 5, 0.6, 123, 0),
    "dpmpp_2m_img2img": ("dpmpp_2m", "exponential", 6, 0.45, 5, 0),
}


def nhwc(t):
    return t.permute(*range(t.dim() - 3), t.dim() - 2, t.dim() - 1, t.dim() - 3).contiguous()


def init_latent(schedule, sigmas, seed, denoise):
    torch.manual_seed(seed)
    noise = torch.randn(SHAPE)
    latent = None
    if denoise < 1.0:
        latent = 0.3 * torch.cos(0.11 * torch.arange(math.prod(SHAPE), dtype=torch.float32)).reshape(SHAPE)
    sigma0 = sigmas[0]
    max_sigma = float(schedule.sigma_max)
    max_denoise = math.isclose(max_sigma, float(sigma0), rel_tol=1e-05) or float(sigma0) > max_sigma
    x = noise * torch.sqrt(1.0 + sigma0 ** 2.0) if max_denoise else noise * sigma0
    if latent is not None:
        x = x + latent
    return x, latent


def trajectories(schedule, out):
    model = toy_denoiser()
    out["toy.b"] = nhwc(toy_b())
    for name, (sampler, sched, steps, denoise, seed, offset) in CASES.items():
        sigmas = sampling_sigmas(schedule, sched, steps, denoise, sampler in DISCARD)
        x, latent = init_latent(schedule, sigmas, seed, denoise)
        xs, dens = [], []
        cb = lambda i, xi, den: (xs.append(xi), dens.append(den))  # noqa: E731
        final = SAMPLERS[sampler](model, x, sigmas, cb, noise_sampler(seed + offset))
        xs.append(final)
        out[f"{name}.sigmas"] = sigmas
        out[f"{name}.x"] = nhwc(torch.stack(xs))
        out[f"{name}.denoised"] = nhwc(torch.stack(dens))
        if latent is not None:
            out[f"{name}.latent"] = nhwc(latent)


# ---- A1111 noise conventions (modules/rng.py ImageRNG): a generator per image seeded seed + i,
# initial noise * sigma0, ancestral noise continuing those generators (or restarted at
# seed + i + ENSD). "nv" draws them from the CUDA Philox restatement in sampling_rng.py. ----
class PerImageNoise:
    def __init__(self, seed, rng):
        self.rng = rng
        self.seeds = [seed + i for i in range(SHAPE[0])]
        self.offsets = [0] * SHAPE[0]
        self.gens = [torch.Generator().manual_seed(sd) for sd in self.seeds]

    def __call__(self):
        per_image = SHAPE[1:]
        out = []
        for i in range(SHAPE[0]):
            if self.rng == "cpu":
                out.append(torch.randn(per_image, generator=self.gens[i]))
            else:
                from sampling_rng import philox_randn
                out.append(torch.from_numpy(
                    philox_randn(self.seeds[i], self.offsets[i], math.prod(per_image)).reshape(per_image)))
                self.offsets[i] += 1
        return torch.stack(out)


A1111_CASES = {"a1111_cpu": ("cpu", 0), "a1111_cpu_ensd": ("cpu", 31337), "a1111_nv": ("cuda", 0)}


def a1111_trajectories(schedule, out):
    model = toy_denoiser()
    sigmas = sampling_sigmas(schedule, "karras", 5)
    for name, (rng, ensd) in A1111_CASES.items():
        first = PerImageNoise(21, rng)
        x = first() * sigmas[0]
        ancestral = first if ensd == 0 else PerImageNoise(21 + ensd, rng)
        out[f"{name}.final"] = nhwc(euler_ancestral(model, x, sigmas, lambda *a: None, ancestral))


# ---- ModelDenoiser: ComfyUI's model wrapper around a tiny linear "network" ----
W = torch.tensor([[0.9, -0.2, 0.1, 0.05], [0.3, 0.7, -0.1, 0.2],
                  [-0.25, 0.15, 1.1, -0.3], [0.05, 0.4, 0.2, 0.6]], dtype=torch.float32)
BIAS_UNCOND = torch.tensor([0.1, -0.05, 0.02, 0.0], dtype=torch.float32)
BIAS_COND = torch.tensor([-0.3, 0.25, 0.12, -0.4], dtype=torch.float32)


def tiny_model(x_in, t, rows_bias):
    """x_in NCHW [B,4,H,W]; rows_bias [B,4]."""
    mixed = torch.einsum("ck,bkhw->bchw", W, x_in) * (1 + t / 1000.0)
    return mixed + rows_bias[:, :, None, None]


def model_denoise(schedule, x, sigma, prediction, cfg, interpolated=False):
    sigma = torch.tensor(sigma, dtype=torch.float32)
    x_in = x / (sigma ** 2 + 1.0) ** 0.5
    if interpolated:
        t = schedule.timestep_interpolated(sigma).float()
    else:
        t = schedule.timestep(sigma).float()
    n = x.shape[0]

    def denoised(out):
        if prediction == "eps":
            return x - out * sigma
        return x * 1.0 / (sigma ** 2 + 1.0) - out * sigma * 1.0 / (sigma ** 2 + 1.0) ** 0.5

    if cfg == 1.0:
        return denoised(tiny_model(x_in, t, BIAS_COND.expand(n, 4)))
    both = torch.cat([x_in, x_in])
    bias = torch.cat([BIAS_UNCOND.expand(n, 4), BIAS_COND.expand(n, 4)])
    out = tiny_model(both, t, bias)
    uncond, cond = denoised(out[:n]), denoised(out[n:])
    return uncond + (cond - uncond) * cfg


MODEL_CASES = {"eps_cfg1": ("eps", 1.0, False), "eps_cfg7.5": ("eps", 7.5, False),
               "v_cfg1": ("v", 1.0, False), "v_cfg5": ("v", 5.0, False),
               "eps_cfg7.5_interp": ("eps", 7.5, True)}
MODEL_SIGMAS = [14.614641, 7.77, 3.3, 0.9, 0.0291672]


def model_goldens(schedule, out):
    torch.manual_seed(2024)
    x = torch.randn(SHAPE) * 3.0
    out["model.x"] = nhwc(x)
    out["model.sigmas"] = torch.tensor(MODEL_SIGMAS, dtype=torch.float32)
    for name, (pred, cfg, interp) in MODEL_CASES.items():
        out[f"model.{name}"] = nhwc(torch.stack(
            [model_denoise(schedule, x, s, pred, cfg, interp) for s in MODEL_SIGMAS]))
    # End to end: dpmpp_2m over a v-prediction model with CFG 5, karras, 5 steps, seed 99.
    sigmas = sampling_sigmas(schedule, "karras", 5)
    x0, _ = init_latent(schedule, sigmas, 99, 1.0)
    model = lambda xx, s: model_denoise(schedule, xx, float(s), "v", 5.0)  # noqa: E731
    out["e2e.final"] = nhwc(dpmpp_2m(model, x0, sigmas, lambda *a: None, None))


def main():
    schedule = DiscreteSchedule()
    out = {}
    trajectories(schedule, out)
    a1111_trajectories(schedule, out)
    model_goldens(schedule, out)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "golden", "sampling", "samplers.safetensors")
    write_golden(path, out, VERSION, "tools/reference/sampling_reference.py", torch=torch.__version__)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
