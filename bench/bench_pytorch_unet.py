"""The SD 1.5 UNet evaluation of bench_txt2img, timed in PyTorch on the same synthetic weights
(f16 values, computed in f32 as PyTorch's CPU path does), 2 threads, batch 1 and 2 at 512x512
(latent 64x64, context 77x768). Counts the FLOPs of convolutions, linear layers and attention
with forward hooks, and prints seconds, GFLOP/s and, when bench_txt2img's JSON result is given,
the ratio PyTorch seconds / Pixforge seconds.

    /usr/bin/python3 bench/bench_pytorch_unet.py [--ours build/bench_txt2img.json] [--repeat 3]

Needs Debian's libopenblas0-openmp (without it torch's linear layers fall back to the reference
BLAS and run about 10x slower, which would make the ratio meaningless).
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools", "reference"))
from nn_modules import CrossAttention, UNetModel  # noqa: E402
from synthetic import fill_module  # noqa: E402


def count_flops(model, x, t, ctx):
    """2 * multiply-adds of every conv, linear and attention matmul in one forward."""
    totals = {"conv": 0.0, "linear": 0.0, "attention": 0.0}

    def conv_hook(mod, inp, out):
        k = mod.weight.shape[1] * mod.weight.shape[2] * mod.weight.shape[3]
        totals["conv"] += 2.0 * out.numel() * k

    def linear_hook(mod, inp, out):
        totals["linear"] += 2.0 * out.numel() * mod.weight.shape[1]

    def attn_hook(mod, inp, out):
        x_in = inp[0]
        ctx_in = inp[1] if len(inp) > 1 and inp[1] is not None else x_in
        b, nq, nk = x_in.shape[0], x_in.shape[1], ctx_in.shape[1]
        inner = mod.to_q.weight.shape[0]
        totals["attention"] += 2.0 * 2.0 * b * nq * nk * inner  # QK^T and attn @ V

    hooks = []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, torch.nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
        elif isinstance(m, CrossAttention):
            hooks.append(m.register_forward_hook(attn_hook))
    with torch.no_grad():
        model(x, t, ctx)
    for h in hooks:
        h.remove()
    return totals


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", help="bench_txt2img JSON result (for the ratio)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--size", type=int, default=512)
    args = ap.parse_args()
    torch.set_num_threads(2)
    config = torch.__config__.show()
    if "openblas" not in config.lower() and not os.path.exists(
            "/usr/lib/x86_64-linux-gnu/openblas-openmp"):
        print("warning: OpenBLAS (libopenblas0-openmp) not found; linear layers will be slow")

    model = UNetModel().eval()
    t0 = time.time()
    fill_module(model, "model.diffusion_model.")
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())  # the bench file stores f16
    print(f"synthetic weights: {time.time() - t0:.1f} s")

    lat = args.size // 8
    results = {}
    for batch in (1, 2):
        torch.manual_seed(0)
        x = torch.randn(batch, 4, lat, lat)
        t = torch.full((batch,), 500.0)
        ctx = torch.randn(batch, 77, 768) * 0.5
        flops = count_flops(model, x, t, ctx)
        total = sum(flops.values())
        times = []
        with torch.no_grad():
            model(x, t, ctx)  # warm-up
            for _ in range(args.repeat):
                s = time.perf_counter()
                model(x, t, ctx)
                times.append(time.perf_counter() - s)
        best = min(times)
        results[batch] = best
        print(f"pytorch unet batch {batch}: {best:.2f} s (best of {args.repeat}), "
              f"{total / 1e9:.0f} GFLOP (conv {flops['conv'] / 1e9:.0f}, linear "
              f"{flops['linear'] / 1e9:.0f}, attention {flops['attention'] / 1e9:.0f}), "
              f"{total / best / 1e9:.0f} GFLOP/s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"pytorch peak RSS: {rss:.0f} MiB")
    if args.ours:
        with open(args.ours) as f:
            ours = json.load(f)
        for batch in (1, 2):
            key = f"unet_batch{batch}_seconds"
            if key in ours:
                print(f"ratio batch {batch}: pytorch {results[batch]:.2f} s / pixforge "
                      f"{ours[key]:.2f} s = {results[batch] / ours[key]:.2f}x")


if __name__ == "__main__":
    main()
