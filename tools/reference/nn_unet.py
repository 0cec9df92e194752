"""UNet goldens for tests/nn (engine/src/nn/unet.cpp), on synthetic weights of the real layouts.

    /usr/bin/python3 tools/reference/nn_unet.py

Writes
  tests/golden/layouts/sd15_unet.json       full SD1.5 UNet layout (model.diffusion_model.*)
  tests/golden/layouts/sd2_unet.json        full SD2.x UNet layout (linear proj, head_dim 64, ctx 1024)
  tests/golden/layouts/sd2_small_unet.json  SD2.x key names and structure at model_channels 64
  tests/golden/nn/unet_sd15.safetensors     SD1.5, latent 8x8, batch 2, two timesteps:
                                            inputs, every block's output (f16), final (f32)
  tests/golden/nn/unet_sd2_small.safetensors SD2 small, latent 16x8, batch 2: inputs + final
  tests/golden/nn/unet_sd2_odd.safetensors   SD2 small, latent 9x10 (72x80 pixels: sides that
                                            are multiples of 8 but not 64; ComfyUI's Upsample to
                                            the skip's size), batch 1: inputs + final
Feature maps are stored NHWC (the engine's layout)."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from golden import write_golden  # noqa: E402
from nn_modules import UNetModel, nhwc  # noqa: E402
from synthetic import fill_module  # noqa: E402

VERSION = 1
ROOT = os.path.join(os.path.dirname(__file__), "../..")
PREFIX = "model.diffusion_model."
SCRIPT = "tools/reference/nn_unet.py"


def write_layout(name, layout):
    with open(os.path.join(ROOT, "tests/golden/layouts", name), "w") as f:
        json.dump(layout, f, indent=0)


def layout_only(model):
    return {PREFIX + k: list(v.shape) for k, v in model.state_dict().items() if v.is_floating_point()}


def sd2_full():
    return UNetModel(mc=320, num_heads=None, head_dim=64, context_dim=1024, use_linear=True)


def sd2_small():
    return UNetModel(mc=64, num_heads=None, head_dim=64, context_dim=1024, use_linear=True)


def randn_f16(*shape):
    """Inputs rounded to f16 values and stored as f16: exact, and half the golden's size."""
    return torch.randn(*shape).half().float()


def run(model, x, t, ctx, per_block):
    stages = {}

    def hook(name, value):
        if per_block:
            stages[name] = nhwc(value).half()

    with torch.no_grad():
        out = model(x, t, ctx, hook)
    return out, stages


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)

    write_layout("sd2_unet.json", layout_only(sd2_full()))

    small = sd2_small().eval()
    write_layout("sd2_small_unet.json", fill_module(small, PREFIX))
    x = randn_f16(2, 4, 16, 8)
    t = torch.tensor([999.0, 250.0])
    ctx = randn_f16(2, 77, 1024)
    out, _ = run(small, x, t, ctx, False)
    write_golden(os.path.join(ROOT, "tests/golden/nn/unet_sd2_small.safetensors"),
                 {"x": nhwc(x).half(), "timesteps": t, "context": ctx.half(), "out": nhwc(out)}, VERSION, SCRIPT,
                 model_channels=64, note="SD2.x structure and key names at model_channels 64")
    # Odd latent sides: 9 -> 5 -> 3 -> 2 on the way down, 2 -> 3 -> 5 -> 9 back up. Drawn from a
    # saved-and-restored RNG state so that the SD1.5 golden below stays as it was.
    rng_state = torch.get_rng_state()
    x = randn_f16(1, 4, 9, 10)
    t = torch.tensor([500.0])
    ctx = randn_f16(1, 77, 1024)
    out, _ = run(small, x, t, ctx, False)
    write_golden(os.path.join(ROOT, "tests/golden/nn/unet_sd2_odd.safetensors"),
                 {"x": nhwc(x).half(), "timesteps": t, "context": ctx.half(), "out": nhwc(out)}, VERSION, SCRIPT,
                 model_channels=64, note="latent 9x10: odd sides through every down/upsample")
    torch.set_rng_state(rng_state)
    del small

    sd15 = UNetModel().eval()
    write_layout("sd15_unet.json", fill_module(sd15, PREFIX))
    x = randn_f16(2, 4, 8, 8)
    t = torch.tensor([981.0, 17.0])
    ctx = randn_f16(2, 77, 768)
    out, stages = run(sd15, x, t, ctx, True)
    tensors = {"x": nhwc(x).half(), "timesteps": t, "context": ctx.half(), "out": nhwc(out)}
    tensors.update(stages)
    write_golden(os.path.join(ROOT, "tests/golden/nn/unet_sd15.safetensors"), tensors, VERSION, SCRIPT)
    print("out", out.abs().mean().item(), {k: round(v.float().abs().mean().item(), 3) for k, v in stages.items()})


if __name__ == "__main__":
    main()
