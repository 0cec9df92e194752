"""Deterministic synthetic ("random") weights shared bit-for-bit with the C++ side
(tools/synthetic/synthetic_weights.cpp), so a golden computed here on a model of the real layout
can be checked in C++ without committing the weights.

Value i (row-major) of tensor `name`:
    h  = FNV-1a 64 of the UTF-8 name
    z  = splitmix64 finaliser of (h + (i + 1) * 0x9E3779B97F4A7C15) mod 2**64
    u  = (z >> 11) * 2**-53 * 2 - 1                        in [-1, 1), float64
    v  = float32(scale * u + offset)
Roles by name and shape (keeps activations O(1) through deep random networks):
    1-D "*.weight" (norm scales)  -> 1 + 0.1·u
    "*.bias" / other 1-D         -> 0.05·u
    >= 2-D                       -> sqrt(3 / fan_in)·u, fan_in = numel / shape[0]
"""
import numpy as np
import torch

_MASK = (1 << 64) - 1
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def fnv1a64(name):
    h = 0xCBF29CE484222325
    for b in name.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & _MASK
    return h


def _uniform(name, n):
    with np.errstate(over="ignore"):
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = np.uint64(fnv1a64(name)) + i * _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53) * 2.0 - 1.0


def scale_and_offset(name, shape):
    numel = int(np.prod(shape)) if len(shape) else 1
    if len(shape) <= 1:
        if name.endswith(".weight"):
            return 0.1, 1.0
        return 0.05, 0.0
    fan_in = numel // shape[0]
    return float(np.sqrt(3.0 / max(fan_in, 1))), 0.0


def synthetic_tensor(name, shape):
    shape = list(shape)
    numel = int(np.prod(shape)) if len(shape) else 1
    scale, offset = scale_and_offset(name, shape)
    v = (scale * _uniform(name, numel) + offset).astype(np.float32)
    return torch.from_numpy(v.reshape(shape))


def fill_module(module, prefix=""):
    """Overwrites every parameter and float buffer of `module` with synthetic values named
    prefix + its state_dict key. Returns {full_name: shape} (the layout)."""
    layout = {}
    with torch.no_grad():
        for key, t in module.state_dict().items():
            if not t.is_floating_point():
                continue
            full = prefix + key
            t.copy_(synthetic_tensor(full, t.shape).to(t.dtype))
            layout[full] = list(t.shape)
    return layout
