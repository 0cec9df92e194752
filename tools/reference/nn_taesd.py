"""Tiny autoencoder (taef2: FLUX.2 latent space, 32 channels, GroupNorm mid-blocks) golden for
tests/nn, on the REAL weights in ../shared/data/taef2/.

    /usr/bin/python3 tools/reference/nn_taesd.py

Round trip image -> latent -> image of the central 128x128 crop of each photo in
../shared/data/images/ (read with PIL here; the C++ test reads the stored crop, so it needs no
PNG decoder). Stored per image: the crop (0..255 values, exact in f16), the latent (f32) and the
decoded image (f16, NHWC, the decoder's raw output: about [0, 1], unclamped). The encoder takes
RGB in [0, 1]."""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from golden import write_golden  # noqa: E402
from nn_modules import nhwc, tiny_decoder, tiny_encoder  # noqa: E402

VERSION = 1
ROOT = os.path.join(os.path.dirname(__file__), "../..")
DATA = os.path.join(ROOT, "../shared/data")
IMAGES = ["astronaut", "chelsea", "coffee"]
CROP = 128


def load(path):
    sd = torch.load(path, map_location="cpu")
    return {k: v.float() for k, v in sd.items()}


def read_crop(name):
    from PIL import Image
    img = np.asarray(Image.open(os.path.join(DATA, "images", name + ".png")).convert("RGB"))
    h, w, _ = img.shape
    y, x = (h - CROP) // 2, (w - CROP) // 2
    return img[y:y + CROP, x:x + CROP].copy()


def main():
    torch.set_num_threads(2)
    enc, dec = tiny_encoder(32, True).eval(), tiny_decoder(32, True).eval()
    enc.load_state_dict(load(os.path.join(DATA, "taef2/taef2_encoder.pth")))
    dec.load_state_dict(load(os.path.join(DATA, "taef2/taef2_decoder.pth")))
    tensors = {}
    for name in IMAGES:
        crop = read_crop(name)
        x = torch.from_numpy(crop).float().permute(2, 0, 1)[None] / 255.0
        with torch.no_grad():
            lat = enc(x)
            out = dec(lat)
        tensors[name + ".image"] = torch.from_numpy(crop).half()
        tensors[name + ".latent"] = nhwc(lat)
        tensors[name + ".decoded"] = nhwc(out).half()
        mse = ((out.clamp(0, 1) - x) ** 2).mean().item()
        print(name, "round-trip PSNR vs input %.2f dB" % (10 * np.log10(1 / mse)))
    write_golden(os.path.join(ROOT, "tests/golden/nn/taef2_roundtrip.safetensors"), tensors, VERSION,
                 "tools/reference/nn_taesd.py", crop=CROP)


if __name__ == "__main__":
    main()
