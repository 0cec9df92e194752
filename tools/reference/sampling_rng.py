"""Goldens for the noise generators (tests/sampling/rng_test.cpp).

torch CPU: torch.manual_seed(seed); torch.randn(shape) as Debian's torch 1.13 computes it on
this x86 machine (AVX2 kernels: the default on any AVX2/AVX-512 CPU), and again in a child
process with ATEN_CPU_CAPABILITY=default (the scalar-libm kernel torch uses without AVX2).

torch CUDA: no GPU here, so the values come from philox_randn() below, a from-scratch numpy
statement of torch's CUDA normal kernel layout (Philox4x32-10, key = seed, counter =
(call offset, 0, element index, 0), Box-Muller sine of the first two outputs, in float64 as
A1111's rng_philox.py computes it). The C++ is an independent implementation checked against it.

Run: /usr/bin/python3 tools/reference/sampling_rng.py   (writes tests/golden/sampling/rng.safetensors)
"""
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden import write_golden  # noqa: E402

VERSION = 1
SEEDS = [0, 1, 42, 2**32 + 5, 2**63 - 1, 123456789]
SHAPES = [(1,), (7,), (15,), (16,), (17,), (100,), (1, 4, 8, 8), (2, 4, 64, 64)]
# Successive draws from one generator: exercises the cached double normal across calls and the
# mixing of the <16 and >=16 paths.
STREAM = [(3,), (1,), (20,), (5,), (16,), (2,), (33,), (1,)]
BIG = 1024  # draws larger than this are stored as head, tail, a strided sample and the sum


def summarise(prefix, a, out):
    a = np.asarray(a, dtype=np.float32).reshape(-1)
    if a.size <= BIG:
        out[prefix] = torch.from_numpy(a.copy())
        return
    out[prefix + ".head"] = torch.from_numpy(a[:64].copy())
    out[prefix + ".tail"] = torch.from_numpy(a[-64:].copy())
    out[prefix + ".stride509"] = torch.from_numpy(a[::509].copy())
    out[prefix + ".sum"] = torch.tensor([a.astype(np.float64).sum()], dtype=torch.float64)


def shape_key(shape):
    return "x".join(str(d) for d in shape)


def cpu_draws():
    out = {}
    for seed in SEEDS:
        for shape in SHAPES:
            torch.manual_seed(seed)
            summarise(f"s{seed}.{shape_key(shape)}", torch.randn(shape).numpy(), out)
        torch.manual_seed(seed)
        for k, shape in enumerate(STREAM):
            summarise(f"s{seed}.stream{k}", torch.randn(shape).numpy(), out)
    return out


# ---- CUDA Philox, restated from the algorithm ----
M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)


def philox4x32_10(ctr, key):
    """ctr: 4 uint32 arrays (one lane per element); key: 2 uint32 arrays."""
    c = [x.astype(np.uint64) for x in ctr]
    k0, k1 = key[0].astype(np.uint32), key[1].astype(np.uint32)
    mask = np.uint64(0xFFFFFFFF)
    for _ in range(10):
        p0 = c[0] * M0  # exact: both < 2^32
        p1 = c[2] * M1
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ k0.astype(np.uint64), p1 & mask,
             (p0 >> np.uint64(32)) ^ c[3] ^ k1.astype(np.uint64), p0 & mask]
        k0 = (k0 + W0).astype(np.uint32)
        k1 = (k1 + W1).astype(np.uint32)
    return [x.astype(np.uint32) for x in c]


INV32 = np.float64(np.float32(2.3283064e-10))
INV32_2PI = np.float64(np.float32(2.3283064e-10) * np.float32(6.2831855))


def philox_randn(seed, offset, n):
    idx = np.arange(n, dtype=np.uint64)
    ctr = [np.full(n, offset & 0xFFFFFFFF, np.uint32), np.full(n, offset >> 32, np.uint32),
           (idx & np.uint64(0xFFFFFFFF)).astype(np.uint32), np.zeros(n, np.uint32)]
    key = [np.full(n, seed & 0xFFFFFFFF, np.uint32), np.full(n, seed >> 32, np.uint32)]
    r = philox4x32_10(ctr, key)
    u = r[0].astype(np.float64) * INV32 + INV32 / 2
    v = r[1].astype(np.float64) * INV32_2PI + INV32_2PI / 2
    return (np.sqrt(-2.0 * np.log(u)) * np.sin(v)).astype(np.float32)


def philox_draws():
    out = {}
    # Known-answer test of the bare Philox4x32-10 block (Random123's published vectors).
    kat = philox4x32_10([np.array([0], np.uint32)] * 4, [np.array([0], np.uint32)] * 2)
    out["philox.kat_zero"] = torch.tensor([int(x[0]) for x in kat], dtype=torch.int64)
    ones = [np.array([0xFFFFFFFF], np.uint32)]
    kat = philox4x32_10(ones * 4, ones * 2)
    out["philox.kat_ones"] = torch.tensor([int(x[0]) for x in kat], dtype=torch.int64)
    for seed in SEEDS:
        for shape in SHAPES:
            n = int(np.prod(shape))
            summarise(f"cuda.s{seed}.{shape_key(shape)}", philox_randn(seed, 0, n), out)
        for k, shape in enumerate(STREAM):
            summarise(f"cuda.s{seed}.stream{k}", philox_randn(seed, k, int(np.prod(shape))), out)
    return out


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child-scalar":
        tensors = cpu_draws()
        torch.save(tensors, sys.argv[2])
        return
    tensors = cpu_draws()
    # The scalar kernel needs ATEN_CPU_CAPABILITY set before torch loads: a child process.
    tmp = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".sampling_rng_scalar.pt")
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default")
    subprocess.run([sys.executable, __file__, "--child-scalar", tmp], env=env, check=True)
    scalar = torch.load(tmp)
    os.remove(tmp)
    tensors.update({"scalar." + k: v for k, v in scalar.items()})
    tensors.update(philox_draws())
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "golden", "sampling", "rng.safetensors")
    write_golden(path, tensors, VERSION, "tools/reference/sampling_rng.py",
                 torch=torch.__version__, seeds=",".join(map(str, SEEDS)))
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
