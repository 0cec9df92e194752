"""Goldens for the Brownian-tree SDE noise (tests/sampling/brownian_tree_test.cpp).

ComfyUI's dpmpp_sde and dpmpp_2m_sde draw their noise from k-diffusion's BrownianTreeNoiseSampler
(cpu=True): one torchsde BrownianTree over [sigma_min, sigma_max] (the smallest positive and the
largest sigma of the schedule) seeded with the sampler seed, queried per step as
W(sigma_next, sigma) / sqrt(|sigma_next - sigma|). torchsde is not a dependency here, so this
file restates, from torchsde's definitions (brownian_interval.py, derived.py), the only
configuration that ComfyUI uses:

  BrownianTree = BrownianInterval(halfway_tree=True, tol=1e-6, pool_size=24, cache_size=45,
                                  levy_area_approximation='none')

- every time is rounded to 6 decimals (round(x, -log10(tol)));
- the root's increment is randn(seed_W) * sqrt(t1 - t0), its seeds the first three words of
  numpy's SeedSequence(entropy=seed, pool_size=24).generate_state(3);
- an interval that must be divided is split at its rounded midpoint (repeatedly, down to the
  queried point: the "halfway tree"), and the split draws its noise from a torch CPU generator
  seeded with the first word of SeedSequence(entropy=seed, spawn_key=(key, depth), pool_size=24)
  .generate_state(4), key = 2 * parent key + (0 left / 1 right), root key 0 at depth 0;
- a child's increment is the Brownian bridge: left = mean + sqrt(var) * noise with
  mean = left_len * W / len, var = left_len * right_len / len; right = W - left;
- a query [ta, tb] (clamped into the root) is the sum, left to right, of the tree's intervals
  that tile it.
The LRU cache of torchsde only saves recomputation (values are pure functions of the tree), so it
is not restated. numpy's SeedSequence is used as is (it is the definition).

The samplers are ComfyUI's current comfy/k_diffusion/sampling.py forms for ε/v models
(half-log-SNR lambda = -log sigma): dpmpp_sde (r = 1/2) queries the tree at (sigma_i,
sigma_s_1) and (sigma_i, sigma_{i+1}); dpmpp_2m_sde (midpoint) at (sigma_i, sigma_{i+1}). All
scalars are float32 0-dim tensors as in ComfyUI, so the query times are float32 values.

Run: /usr/bin/python3 tools/reference/sampling_brownian.py
"""
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden import write_golden  # noqa: E402
from sampling_reference import SHAPE, init_latent, nhwc, toy_b, toy_denoiser  # noqa: E402
from sampling_schedules import DiscreteSchedule, sampling_sigmas  # noqa: E402

VERSION = 1
TOL_DIGITS = 6  # -int(math.log10(1e-6))
POOL_SIZE = 24


def rounded(x):
    return round(x, TOL_DIGITS)


def cpu_randn(shape, seed):
    g = torch.Generator("cpu")
    g.manual_seed(int(seed))
    return torch.randn(shape, generator=g)


class Interval:
    def __init__(self, start, end, parent, is_left):
        self.start, self.end = rounded(start), rounded(end)
        self.parent, self.is_left = parent, is_left
        self.mid = None
        self.left = self.right = None
        self.key = self.depth = None
        self.w_seed = None


class BrownianTree:
    """torchsde BrownianTree (halfway tree, tol 1e-6, pool 24, no Levy area) over [t0, t1]."""

    def __init__(self, t0, t1, shape, entropy, randn=cpu_randn):
        t0, t1 = float(t0), float(t1)
        self.shape, self.entropy, self.randn = tuple(shape), entropy, randn
        self.root = Interval(t0, t1, None, None)
        w_seed = np.random.SeedSequence(entropy=entropy, pool_size=POOL_SIZE).generate_state(3)[0]
        self.root_w = randn(self.shape, w_seed) * math.sqrt(t1 - t0)
        self.last = self.root
        self.values = {}

    def split_exact(self, node, mid):
        node.mid = rounded(mid)
        if node.parent is None:
            node.key, node.depth = 0, 0
        else:
            node.key = 2 * node.parent.key + (0 if node.is_left else 1)
            node.depth = node.parent.depth + 1
        seq = np.random.SeedSequence(entropy=self.entropy, spawn_key=(node.key, node.depth),
                                     pool_size=POOL_SIZE)
        node.w_seed = int(seq.generate_state(4)[0])
        node.left = Interval(node.start, mid, node, True)
        node.right = Interval(mid, node.end, node, False)

    def split(self, node, point):
        while True:
            self.split_exact(node, 0.5 * (node.end + node.start))
            if point > node.mid:
                node = node.right
            elif point < node.mid:
                node = node.left
            else:
                return

    def locate(self, node, ta, tb, out):
        while True:
            if ta < node.start or tb > node.end:
                node = node.parent
            elif ta == node.start and tb == node.end:
                out.append(node)
                return
            elif node.mid is None:
                if ta == node.start:
                    self.split(node, tb)
                    node = node.left
                else:
                    self.split(node, ta)
                    node = node.right
            elif tb <= node.mid:
                node = node.left
            elif ta >= node.mid:
                node = node.right
            else:
                self.locate(node.left, ta, node.mid, out)
                node, ta = node.right, node.mid

    def increment(self, node):
        if node.parent is None:
            return self.root_w
        if node in self.values:
            return self.values[node]
        p = node.parent
        w = self.increment(p)
        h_reciprocal = 1 / (p.end - p.start)
        left_diff = p.mid - p.start
        right_diff = p.end - p.mid
        mean = left_diff * w * h_reciprocal
        var = left_diff * right_diff * h_reciprocal
        left_w = mean + math.sqrt(var) * self.randn(self.shape, p.w_seed)
        out = left_w if node.is_left else w - left_w
        self.values[node] = out
        return out

    def __call__(self, ta, tb):
        ta, tb = float(ta), float(tb)
        ta = min(self.root.end, max(self.root.start, ta))
        tb = min(self.root.end, max(self.root.start, tb))
        if ta > tb:
            raise RuntimeError("ta > tb")
        if ta == tb:
            return torch.zeros(self.shape)
        out = []
        self.locate(self.last, rounded(ta), rounded(tb), out)
        self.last = out[-1]
        w = self.increment(out[0])
        for node in out[1:]:
            w = w + self.increment(node)
        return w


def sort(a, b):
    return (a, b, 1) if a < b else (b, a, -1)


class BrownianTreeNoiseSampler:
    """k-diffusion's BrownianTreeNoiseSampler (cpu=True, identity transform, one seed)."""

    def __init__(self, shape, sigma_min, sigma_max, seed):
        t0, t1, self.sign = sort(sigma_min, sigma_max)
        self.tree = BrownianTree(t0, t1, shape, seed)
        self.queries = []

    def __call__(self, sigma, sigma_next):
        t0, t1 = torch.as_tensor(sigma), torch.as_tensor(sigma_next)
        a, b, sign = sort(t0, t1)
        self.queries.append((float(t0), float(t1)))
        w = self.tree(a.float(), b.float()) * (self.sign * sign)
        return w / (t1 - t0).abs().sqrt()


def get_ancestral_step(sigma_from, sigma_to, eta=1.0):
    if not eta:
        return sigma_to, 0.0
    sigma_up = min(sigma_to, eta * (sigma_to ** 2 * (sigma_from ** 2 - sigma_to ** 2) / sigma_from ** 2) ** 0.5)
    sigma_down = (sigma_to ** 2 - sigma_up ** 2) ** 0.5
    return sigma_down, sigma_up


def dpmpp_sde(model, x, sigmas, cb, noise, eta=1.0, s_noise=1.0, r=0.5):
    lambda_fn = lambda s: s.log().neg()  # noqa: E731
    sigma_fn = lambda lam: lam.neg().exp()  # noqa: E731
    fac = 1 / (2 * r)
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        cb(i, x, den)
        if sigmas[i + 1] == 0:
            x = den
            continue
        lambda_s, lambda_t = lambda_fn(sigmas[i]), lambda_fn(sigmas[i + 1])
        h = lambda_t - lambda_s
        lambda_s_1 = lambda_s + r * h
        sigma_s_1 = sigma_fn(lambda_s_1)
        alpha_s = sigmas[i] * lambda_s.exp()
        alpha_s_1 = sigma_s_1 * lambda_s_1.exp()
        alpha_t = sigmas[i + 1] * lambda_t.exp()
        sd, su = get_ancestral_step(lambda_s.neg().exp(), lambda_s_1.neg().exp(), eta)
        h_ = sd.log().neg() - lambda_s
        x_2 = (alpha_s_1 / alpha_s) * (-h_).exp() * x - alpha_s_1 * (-h_).expm1() * den
        x_2 = x_2 + alpha_s_1 * noise(sigmas[i], sigma_s_1) * s_noise * su
        den2 = model(x_2, sigma_s_1)
        sd, su = get_ancestral_step(lambda_s.neg().exp(), lambda_t.neg().exp(), eta)
        h_ = sd.log().neg() - lambda_s
        den_d = (1 - fac) * den + fac * den2
        x = (alpha_t / alpha_s) * (-h_).exp() * x - alpha_t * (-h_).expm1() * den_d
        x = x + alpha_t * noise(sigmas[i], sigmas[i + 1]) * s_noise * su
    return x


def dpmpp_2m_sde(model, x, sigmas, cb, noise, eta=1.0, s_noise=1.0):
    lambda_fn = lambda s: s.log().neg()  # noqa: E731
    old, h, h_last = None, None, None
    for i in range(len(sigmas) - 1):
        den = model(x, sigmas[i])
        cb(i, x, den)
        if sigmas[i + 1] == 0:
            x = den
        else:
            lambda_s, lambda_t = lambda_fn(sigmas[i]), lambda_fn(sigmas[i + 1])
            h = lambda_t - lambda_s
            h_eta = h * (eta + 1)
            alpha_t = sigmas[i + 1] * lambda_t.exp()
            x = sigmas[i + 1] / sigmas[i] * (-h * eta).exp() * x + alpha_t * (-h_eta).expm1().neg() * den
            if old is not None:
                r = h_last / h
                x = x + 0.5 * alpha_t * (-h_eta).expm1().neg() * (1 / r) * (den - old)
            x = x + noise(sigmas[i], sigmas[i + 1]) * sigmas[i + 1] * (-2 * h * eta).expm1().neg().sqrt() * s_noise
        old = den
        h_last = h
    return x


# name -> (sampler, scheduler, steps, seed)
CASES = {
    "dpmpp_sde_s3": (dpmpp_sde, "karras", 5, 3),
    "dpmpp_sde_s42": (dpmpp_sde, "normal", 6, 42),
    "dpmpp_sde_big": (dpmpp_sde, "exponential", 4, 2 ** 63 + 12345),
    "dpmpp_2m_sde_s3": (dpmpp_2m_sde, "karras", 6, 3),
    "dpmpp_2m_sde_s7": (dpmpp_2m_sde, "normal", 5, 7),
    "dpmpp_2m_sde_s1000": (dpmpp_2m_sde, "karras", 8, 1000),
}

# Raw tree queries over [0.0291675, 14.614642] (SD's float32 sigma_min / sigma_max): in order,
# backwards, overlapping, repeated, nested, outside the interval (clamped) and empty.
TREE_QUERIES = [(14.614642, 7.0), (7.0, 3.25), (3.25, 0.5), (0.5, 0.0291675), (14.614642, 0.0291675),
                (2.0, 9.5), (9.5, 2.0), (7.0, 3.25), (0.1, 0.100001), (20.0, 13.0), (0.01, 0.02),
                (1.234567, 1.234567), (4.4444444, 4.4444449)]


def tree_goldens(out):
    lo, hi = torch.tensor(0.0291675), torch.tensor(14.614642)
    for seed in (0, 5, 2 ** 40 + 3):
        tree = BrownianTree(lo, hi, SHAPE, seed)
        ws = []
        for a, b in TREE_QUERIES:
            ta, tb, sign = sort(torch.tensor(a), torch.tensor(b))
            ws.append(tree(ta, tb) * sign)
        out[f"tree.{seed}.w"] = torch.stack(ws)  # torch order: the tree knows no layout
    out["tree.queries"] = torch.tensor(TREE_QUERIES, dtype=torch.float32)


def seed_sequence_goldens(out):
    cases = [(0, ()), (42, ()), (2 ** 40 + 5, ()), (42, (0, 0)), (42, (5, 3)),
             (2 ** 64 - 1, (123456, 17)), (7, (2 ** 33, 40))]
    rows = []
    for entropy, spawn in cases:
        state = np.random.SeedSequence(entropy=entropy, spawn_key=spawn, pool_size=POOL_SIZE).generate_state(4)
        key = list(spawn) if spawn else [-1, -1]
        rows.append([entropy & 0xFFFFFFFF, entropy >> 32] + key + [int(v) for v in state])
    out["seed_sequence"] = torch.tensor(rows, dtype=torch.int64)


def log_goldens(out):
    # torch's float32 log (SLEEF u10) on the values the samplers take logs of.
    g = torch.Generator().manual_seed(9)
    xs = torch.cat([torch.exp(torch.rand(4000, generator=g, dtype=torch.float64) * 12 - 6).float(),
                    torch.tensor([1.0, 0.75, 1.5, 2.0, 14.614642, 0.0291675, 1e-30, 3e38])])
    out["log.x"] = xs
    out["log.y"] = torch.stack([x.log() for x in xs])


def trajectories(out):
    schedule = DiscreteSchedule()
    model = toy_denoiser()
    for name, (sampler, sched, steps, seed) in CASES.items():
        sigmas = sampling_sigmas(schedule, sched, steps, 1.0, False)
        x, _ = init_latent(schedule, sigmas, seed, 1.0)
        positive = sigmas[sigmas > 0]
        noise = BrownianTreeNoiseSampler(SHAPE, positive.min(), sigmas.max(), seed)
        xs, dens = [], []
        cb = lambda i, xi, den: (xs.append(xi), dens.append(den))  # noqa: E731
        xs_final = sampler(model, x, sigmas, cb, noise)
        xs.append(xs_final)
        out[f"{name}.sigmas"] = sigmas
        out[f"{name}.x"] = nhwc(torch.stack(xs))
        out[f"{name}.denoised"] = nhwc(torch.stack(dens))
        out[f"{name}.queries"] = torch.tensor(noise.queries, dtype=torch.float32)


def main():
    out = {"toy.b": nhwc(toy_b())}
    seed_sequence_goldens(out)
    log_goldens(out)
    tree_goldens(out)
    trajectories(out)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "golden", "sampling", "brownian.safetensors")
    write_golden(path, out, VERSION, "tools/reference/sampling_brownian.py", torch=torch.__version__,
                 numpy=np.__version__)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
