"""KL-f8 VAE goldens for tests/nn (engine/src/nn/vae_*.cpp), on synthetic weights of the full SD
autoencoder layout (ch 128, ch_mult 1,2,4,4, 2 res blocks, z 4, one-head mid attention).

    /usr/bin/python3 tools/reference/nn_vae.py

Writes
  tests/golden/layouts/sd15_vae.json        layout (first_stage_model.*)
  tests/golden/nn/vae_sd15.safetensors      encoder: image 1x32x24 -> per-stage outputs, moments,
                                            mean (what ComfyUI's encode returns: the posterior
                                            mode, no sampling); decoder: latent 4x3 -> per stage,
                                            image. Non-square on purpose (catches H/W mix-ups).
  tests/golden/nn/vae_tiled.safetensors     tiled decode and encode (ComfyUI's tiled_scale
                                            scheme, re-stated below) at small tiles.
Scaling by 0.18215 is the pipeline's job, not the VAE's. Feature maps stored NHWC."""
import itertools
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from golden import write_golden  # noqa: E402
from nn_modules import AutoencoderKL, nhwc  # noqa: E402
from nn_unet import write_layout  # noqa: E402
from synthetic import fill_module  # noqa: E402

VERSION = 1
ROOT = os.path.join(os.path.dirname(__file__), "../..")
SCRIPT = "tools/reference/nn_vae.py"


def tiled_scale(x, fn, tile_h, tile_w, overlap, scale, out_ch):
    """One tiled pass: tiles of tile_h x tile_w input pixels stepping by tile - overlap; each
    output tile weighted by a mask that ramps linearly over the (scaled) overlap at every edge
    ((t + 1) / feather for the t-th row from an edge); weighted sum / weight sum. Input that
    fits one tile is processed whole. scale: output pixels per input pixel (8 or 1/8)."""
    b, _, h, w = x.shape
    if h <= tile_h and w <= tile_w:
        return fn(x)
    out = torch.zeros(b, out_ch, round(h * scale), round(w * scale))
    div = torch.zeros_like(out)
    ys = range(0, h - overlap, tile_h - overlap) if h > tile_h else [0]
    xs = range(0, w - overlap, tile_w - overlap) if w > tile_w else [0]
    for y0, x0 in itertools.product(ys, xs):
        y = max(0, min(h - overlap, y0))
        xx = max(0, min(w - overlap, x0))
        th, tw = min(tile_h, h - y), min(tile_w, w - xx)
        part = fn(x[:, :, y:y + th, xx:xx + tw])
        mask = torch.ones_like(part)
        feather = round(overlap * scale)
        for dim in (2, 3):
            if feather >= mask.shape[dim]:
                continue
            for t in range(feather):
                a = (t + 1) / feather
                mask.narrow(dim, t, 1).mul_(a)
                mask.narrow(dim, mask.shape[dim] - 1 - t, 1).mul_(a)
        oy, ox = round(y * scale), round(xx * scale)
        out[:, :, oy:oy + part.shape[2], ox:ox + part.shape[3]] += part * mask
        div[:, :, oy:oy + part.shape[2], ox:ox + part.shape[3]] += mask
    return out / div


def tiled_three(x, fn, tile_h, tile_w, overlap, scale, out_ch):
    """ComfyUI averages three passes with differently shaped tiles so seams never coincide:
    (h/2, 2w), (2h, w/2), (h, w) for decode; encode uses the same three shapes."""
    return (tiled_scale(x, fn, tile_h // 2, tile_w * 2, overlap, scale, out_ch)
            + tiled_scale(x, fn, tile_h * 2, tile_w // 2, overlap, scale, out_ch)
            + tiled_scale(x, fn, tile_h, tile_w, overlap, scale, out_ch)) / 3.0


def main():
    torch.manual_seed(1)
    torch.set_num_threads(2)
    vae = AutoencoderKL().eval()
    write_layout("sd15_vae.json", fill_module(vae, "first_stage_model."))

    image = torch.rand(1, 3, 32, 24).half().float() * 2 - 1
    latent = torch.randn(1, 4, 4, 3).half().float()
    stages = {}

    def hook(name, value):
        stages[name] = nhwc(value).half()

    with torch.no_grad():
        moments = vae.encode_moments(image, hook)
        decoded = vae.decode(latent, hook)
    tensors = {"image": nhwc(image).half(), "latent": nhwc(latent).half(), "moments": nhwc(moments),
               "mean": nhwc(moments[:, :4]), "decoded": nhwc(decoded)}
    tensors.update(stages)
    write_golden(os.path.join(ROOT, "tests/golden/nn/vae_sd15.safetensors"), tensors, VERSION, SCRIPT)

    # Tiled, small enough for a quick test: latent 6x5 decoded with tiles of 4 (overlap 1) ->
    # passes of 2x8, 8x2, 4x4 tiles; image 48x40 encoded with tiles of 32 (overlap 8).
    tl = torch.randn(1, 4, 6, 5).half().float()
    ti = (torch.rand(1, 3, 48, 40) * 2 - 1).half().float()
    with torch.no_grad():
        dec = tiled_three(tl, vae.decode, 4, 4, 1, 8, 3)
        enc = tiled_three(ti, vae.encode_mean, 32, 32, 8, 1 / 8, 4)
        dec_whole = vae.decode(tl)
    write_golden(os.path.join(ROOT, "tests/golden/nn/vae_tiled.safetensors"),
                 {"latent": nhwc(tl).half(), "decoded": nhwc(dec).half(), "image": nhwc(ti).half(),
                  "encoded": nhwc(enc)}, VERSION, SCRIPT, decode_tile=4, decode_overlap=1,
                 encode_tile=32, encode_overlap=8)
    print("tiled vs whole decode max|diff|", (dec - dec_whole).abs().max().item(),
          "mean|whole|", dec_whole.abs().mean().item())


if __name__ == "__main__":
    main()
