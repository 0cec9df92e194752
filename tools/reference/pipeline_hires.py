"""Goldens for variation seeds and the hires fix's latent upscale (tests/pipeline/hires_test.cpp).

Variation noise is restated from A1111's definitions (modules/rng.py: ImageRNG.first with
subseeds, subseed_strength and seed_resize_from_w/h, and its slerp): per image, the seed's noise
(drawn at the "resize from" size when set), slerped towards the subseed's noise, then placed
centred into the full-size draw of the seed. Draws come from fresh generators, so every draw is
the first of its seed: torch's CPU generator, or torch's CUDA Philox stream as
sampling_rng.philox_randn states it (offset 0).

The whole-batch case is the engine's ComfyUI convention (one randn of the batch per seed),
slerped image by image with the same function.

Latent upscale: torch.nn.functional.interpolate on small random NCHW tensors for each of A1111's
latent modes (shared.latent_upscale_modes), up by 2, up by a non-integer factor, and down (where
antialias matters).

Run: /usr/bin/python3 tools/reference/pipeline_hires.py  (writes tests/golden/pipeline/hires.safetensors)
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden import write_golden  # noqa: E402
from sampling_rng import philox_randn  # noqa: E402

VERSION = 1
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "golden", "pipeline",
                   "hires.safetensors")


def first_draw(rng, seed, shape):
    """The first torch.randn(shape) of a generator seeded `seed`."""
    n = 1
    for d in shape:
        n *= d
    if rng == "cuda":
        return torch.from_numpy(philox_randn(seed, 0, n)).reshape(shape)
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g)


def slerp(val, low, high):
    """A1111's slerp on [C, H, W]: norms over dim 1 (H), lerp with swapped weights when the mean
    dot product is near 1."""
    low_norm = low / torch.norm(low, dim=1, keepdim=True)
    high_norm = high / torch.norm(high, dim=1, keepdim=True)
    dot = (low_norm * high_norm).sum(1)
    if dot.mean() > 0.9995:
        return low * val + high * (1 - val)
    omega = torch.acos(dot)
    so = torch.sin(omega)
    return ((torch.sin((1.0 - val) * omega) / so).unsqueeze(1) * low +
            (torch.sin(val * omega) / so).unsqueeze(1) * high)


def place_centred(x, noise):
    """ImageRNG.first's seed-resize placement of noise [C, h0, w0] into x [C, H, W]."""
    dx = (x.shape[2] - noise.shape[2]) // 2
    dy = (x.shape[1] - noise.shape[1]) // 2
    w = noise.shape[2] if dx >= 0 else noise.shape[2] + 2 * dx
    h = noise.shape[1] if dy >= 0 else noise.shape[1] + 2 * dy
    tx, ty = max(dx, 0), max(dy, 0)
    sx, sy = max(-dx, 0), max(-dy, 0)
    x = x.clone()
    x[:, ty:ty + h, tx:tx + w] = noise[:, sy:sy + h, sx:sx + w]
    return x


def image_noise(rng, seed, subseed, strength, shape, resize_w, resize_h):
    """One image of ImageRNG.first (shape [C, H, W])."""
    from_shape = shape if resize_w <= 0 or resize_h <= 0 else (shape[0], resize_h // 8,
                                                                resize_w // 8)
    noise = first_draw(rng, seed, from_shape)
    if strength != 0:
        noise = slerp(strength, noise, first_draw(rng, subseed, from_shape))
    if tuple(from_shape) != tuple(shape):
        noise = place_centred(first_draw(rng, seed, shape), noise)
    return noise


# name: rng, seed, subseed, strength, [C, H, W], resize_from_w, resize_from_h
CASES = {
    "cpu_slerp": ("cpu", 42, 7, 0.3, (4, 8, 8), 0, 0),
    "cuda_slerp": ("cuda", 42, 7, 0.7, (4, 8, 10), 0, 0),
    "cpu_resize_slerp": ("cpu", 5, 6, 0.5, (4, 8, 8), 80, 48),
    "cuda_resize_only": ("cuda", 1234, 99, 0.0, (4, 6, 9), 128, 32),
    "cpu_full_strength": ("cpu", 3, 4, 1.0, (4, 8, 8), 0, 0),
}


def variation_goldens(out):
    for name, (rng, seed, subseed, strength, shape, rw, rh) in CASES.items():
        out[f"var.{name}"] = image_noise(rng, seed, subseed, strength, shape, rw, rh)
    # A1111 batch (per-image generators): with a strength, every image keeps the seed and image
    # i takes subseed + i (process_images_inner's all_seeds / all_subseeds).
    out["var.a1111_batch"] = torch.stack(
        [image_noise("cpu", 9, 100 + i, 0.4, (4, 8, 8), 0, 0) for i in range(2)])
    # The engine's ComfyUI convention: one randn of the batch per seed, slerped per image.
    low = first_draw("cpu", 11, (2, 4, 8, 8))
    high = first_draw("cpu", 12, (2, 4, 8, 8))
    out["var.comfy_batch"] = torch.stack([slerp(0.6, low[i], high[i]) for i in range(2)])
    # The near-parallel fallback (low * val + high * (1 - val)).
    base = first_draw("cpu", 20, (4, 8, 8))
    near = base + 1e-3 * first_draw("cpu", 21, (4, 8, 8))
    out["slerp_near.low"] = base
    out["slerp_near.high"] = near
    out["slerp_near.out"] = slerp(0.25, base, near)


MODES = {
    "latent": ("bilinear", False),
    "latent_aa": ("bilinear", True),
    "bicubic": ("bicubic", False),
    "bicubic_aa": ("bicubic", True),
    "nearest": ("nearest", False),
    "nearest_exact": ("nearest-exact", False),
}
SIZES = [(10, 14), (8, 11), (3, 4)]


def upscale_goldens(out):
    g = torch.Generator().manual_seed(77)
    x = torch.randn((1, 4, 5, 7), generator=g)
    out["up.input"] = x
    for name, (mode, aa) in MODES.items():
        for h, w in SIZES:
            y = F.interpolate(x, size=(h, w), mode=mode, antialias=aa)
            out[f"up.{name}.{h}x{w}"] = y


def main():
    out = {}
    variation_goldens(out)
    upscale_goldens(out)
    write_golden(OUT, out, VERSION, "tools/reference/pipeline_hires.py")
    print(f"wrote {len(out)} tensors to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
