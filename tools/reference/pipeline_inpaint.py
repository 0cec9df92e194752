"""Inpainting reference for tests/pipeline/inpaint_test.cpp: ComfyUI's latent noise mask
(SetLatentNoiseMask -> KSampler denoise_mask) restated in PyTorch on the 64x64 reference
pipeline of pipeline_txt2img.py (same synthetic f16 SD 1.5 weights, tokenizer, CLIP, UNet,
VAE, schedules and samplers).

What ComfyUI does with a noise mask, restated:
  prepare_mask     the mask [H, W] (1 = repaint) resized to the latent [h, w] with
                   F.interpolate(mode="bilinear") (align_corners False), repeated over the 4
                   channels and the batch;
  start            x = latent + noise * sigma0 (or noise * sqrt(1 + sigma0^2) + latent at full
                   denoise), exactly as unmasked img2img;
  each model call  (KSamplerX0Inpaint) x_in = x * m + (latent + noise * sigma) * (1 - m), with
                   `noise` the run's initial (unscaled) draw; then
                   denoised = model(x_in) * m + latent * (1 - m);
  end              no extra blend: the sampler's result is decoded as usual.

Writes tests/golden/pipeline/inpaint.safetensors and the mask picture mask_64.png (grey, white =
repaint, a soft edge on the right so the bilinear resize sees fractions). The init image is
pipeline_txt2img.py's init_64.png.

Run: /usr/bin/python3 tools/reference/pipeline_inpaint.py
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from golden import write_golden  # noqa: E402
from nn_modules import AutoencoderKL, UNetModel  # noqa: E402
from pipeline_txt2img import (OUT, SAMPLERS, SCALE, as_f16, make_denoiser,  # noqa: E402
                              sd15_text_encoder, to_uint8)
from sampling_reference import nhwc  # noqa: E402
from sampling_schedules import DiscreteSchedule, sampling_sigmas  # noqa: E402

VERSION = 1

# name -> settings; the C++ test runs the same list (tests/pipeline/inpaint_test.cpp).
CASES = {
    # img2img strength 0.8: the kept area is re-noised to each sigma from the initial noise.
    "inpaint": dict(prompt="a red door, oil painting", negative="", sampler="euler",
                    scheduler="normal", steps=4, cfg=5.0, seed=11, batch=1, strength=0.8),
    # Full denoise (max_denoise start), ancestral noise, a batch of 2 sharing the mask.
    "inpaint_full": dict(prompt="a yellow sun", negative="blurry", sampler="euler_ancestral",
                         scheduler="karras", steps=4, cfg=7.0, seed=5, batch=2, strength=1.0),
}


def mask_picture():
    """64x64 grey: white block x 20..43, y 12..39; a ramp down to black over x 44..51."""
    m = np.zeros((64, 64), dtype=np.uint8)
    m[12:40, 20:44] = 255
    for x in range(44, 52):
        m[12:40, x] = round(255 * (52 - x) / 9)
    return Image.fromarray(m, mode="L")


def prepare_mask(mask_hw, shape):
    """comfy prepare_mask: bilinear to the latent size, repeated over channels and batch."""
    m = F.interpolate(mask_hw.reshape(1, 1, *mask_hw.shape), size=(shape[2], shape[3]),
                      mode="bilinear")
    return torch.cat([m] * shape[1], dim=1).repeat(shape[0], 1, 1, 1)


def masked(model, mask, latent, noise):
    """KSamplerX0Inpaint around an ε denoiser (scale_latent_inpaint = latent + noise * sigma)."""
    def denoise(x, sigma):
        keep = 1.0 - mask
        x = x * mask + (latent + noise * torch.as_tensor(sigma, dtype=torch.float32)) * keep
        return model(x, sigma) * mask + latent * keep
    return denoise


def run_case(case, unet, vae, encode_text, schedule, init_image, mask_hw):
    b = case["batch"]
    cond = encode_text(case["prompt"]).expand(b, -1, -1)
    uncond = encode_text(case["negative"]).expand(b, -1, -1)
    sigmas = sampling_sigmas(schedule, case["scheduler"], case["steps"], case["strength"], False)
    torch.manual_seed(case["seed"])
    noise = torch.randn(b, 4, 8, 8)
    sigma0 = sigmas[0]
    max_sigma = float(schedule.sigma_max)
    max_denoise = abs(float(sigma0) - max_sigma) <= 1e-5 * max(abs(max_sigma), abs(float(sigma0))) \
        or float(sigma0) > max_sigma
    with torch.no_grad():
        latent = (vae.encode_mean(init_image) * SCALE).expand(b, -1, -1, -1).contiguous()
    x = (noise * torch.sqrt(1.0 + sigma0 ** 2.0) if max_denoise else noise * sigma0) + latent
    mask = prepare_mask(mask_hw, noise.shape)
    gen = torch.Generator()
    gen.manual_seed(case["seed"] + 1)
    noise_fn = lambda: torch.randn(b, 4, 8, 8, generator=gen)  # noqa: E731
    steps_seen = []
    model = masked(make_denoiser(unet, schedule, cond, uncond, case["cfg"]), mask, latent, noise)
    final = SAMPLERS[case["sampler"]](model, x, sigmas, lambda i, *a: steps_seen.append(i),
                                      noise_fn)
    with torch.no_grad():
        decoded = vae.decode(final / SCALE)
        roundtrip = vae.decode(latent[:1] / SCALE)
    return final, to_uint8(decoded), to_uint8(roundtrip), latent[:1], mask[:1, :1]


def main():
    torch.set_num_threads(2)
    schedule = DiscreteSchedule()
    unet = as_f16(UNetModel(), "model.diffusion_model.")
    vae = as_f16(AutoencoderKL(), "first_stage_model.")
    encode_text = sd15_text_encoder()

    init = Image.open(os.path.join(OUT, "init_64.png")).convert("RGB")
    init_t = torch.from_numpy(np.asarray(init).astype(np.float32) / 255.0 * 2.0 - 1.0)
    init_t = init_t.permute(2, 0, 1)[None]
    pic = mask_picture()
    pic.save(os.path.join(OUT, "mask_64.png"))
    mask_hw = torch.from_numpy(np.asarray(pic).astype(np.float32) / 255.0)

    tensors = {}
    for name, case in CASES.items():
        latent, image, roundtrip, init_latent, lmask = run_case(case, unet, vae, encode_text,
                                                                schedule, init_t, mask_hw)
        tensors[f"{name}.latent"] = nhwc(latent)
        tensors[f"{name}.image"] = nhwc(image)
        img = image.permute(0, 2, 3, 1)
        print(name, "image mean", img.mean().item(), "std", img.std().item())
    tensors["init.latent"] = nhwc(init_latent)
    tensors["init.roundtrip"] = nhwc(roundtrip)
    tensors["mask.latent"] = nhwc(lmask)
    write_golden(os.path.join(OUT, "inpaint.safetensors"), tensors, VERSION,
                 "tools/reference/pipeline_inpaint.py")


if __name__ == "__main__":
    main()
