"""End-to-end reference for tests/pipeline (engine/src/pipeline/generate.cpp): the whole SD 1.5
pipeline in PyTorch at 64x64 (latent 8x8) on the full SD 1.5 layout with synthetic weights,
built from the other areas' reference modules:

    tokenizer           text_tokenizer.Tokenizer (OpenAI CLIP BPE)
    text encoder        text_clip (CLIP ViT-L/14 text transformer, last layer + final norm)
    UNet, VAE           nn_modules.UNetModel, nn_modules.AutoencoderKL
    schedule, samplers  sampling_schedules, sampling_reference (k-diffusion as ComfyUI runs it)

and ComfyUI's glue, restated here: cond/uncond in one UNet batch with
denoised = uncond + (cond - uncond) * cfg; initial noise = one torch.randn([B, 4, h, w]) call
after torch.manual_seed(seed), scaled by sqrt(1 + sigma0^2) at full denoise (noise_scaling);
img2img: latent = VAE mean * 0.18215, sigmas from denoise = strength, x = latent + noise * sigma0;
ancestral noise from a generator seeded with seed + 1 (ComfyUI on the CPU); output
uint8(255 * clamp((decode(x / 0.18215) + 1) / 2, 0, 1)) truncating.

The weights are the synthetic values rounded to f16, exactly what the C++ test's f16 checkpoint
file holds. Writes tests/golden/pipeline/txt2img.safetensors (images, final latents) and the
init image tests/golden/pipeline/init_64.png.

Run: /usr/bin/python3 tools/reference/pipeline_txt2img.py
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from golden import write_golden  # noqa: E402
from nn_modules import AutoencoderKL, UNetModel  # noqa: E402
from sampling_reference import dpmpp_2m, euler, euler_ancestral, nhwc  # noqa: E402
from sampling_schedules import DiscreteSchedule, sampling_sigmas  # noqa: E402
from synthetic import fill_module  # noqa: E402
from text_clip import PREFIX as CLIP_PREFIX, ClipText  # noqa: E402
from text_prompt import tokenize_weighted  # noqa: E402
from text_tokenizer import VOCAB, Tokenizer  # noqa: E402

VERSION = 1
ROOT = os.path.join(HERE, "..", "..")
OUT = os.path.join(ROOT, "tests", "golden", "pipeline")
PHOTO = os.path.join(ROOT, "..", "shared", "data", "images", "astronaut.png")
SCALE = 0.18215

# name -> settings; the C++ test runs the same list (tests/pipeline/txt2img_test.cpp).
CASES = {
    "t2i": dict(prompt="a lighthouse at dusk, oil painting", negative="blurry, low quality",
                sampler="euler", scheduler="karras", steps=4, cfg=7.0, seed=42, batch=1),
    "i2i": dict(prompt="an astronaut, watercolor", negative="", sampler="euler_ancestral",
                scheduler="normal", steps=4, cfg=5.0, seed=7, batch=1, strength=0.6),
    "batch": dict(prompt="two cats", negative="dog", sampler="dpmpp_2m", scheduler="normal",
                  steps=3, cfg=7.0, seed=3, batch=2),
}
SAMPLERS = {"euler": euler, "euler_ancestral": euler_ancestral, "dpmpp_2m": dpmpp_2m}


def as_f16(module, prefix):
    fill_module(module, prefix)
    with torch.no_grad():
        for p in module.state_dict().values():
            if p.is_floating_point():
                p.copy_(p.half().float())
    return module.eval()


def sd15_text_encoder():
    """Prompt -> [1, 77k, 768]: ComfyUI's chunks, CLIP's last layer + final norm. The test
    prompts carry no weights, so encode_token_weights reduces to concatenating the chunks."""
    model = as_f16(ClipText(12, 768, 12, "quick_gelu"), CLIP_PREFIX)
    tok = Tokenizer(VOCAB)

    def encode(prompt):
        chunks = tokenize_weighted(tok, prompt, pad_with_end=True)
        assert all(w == 1.0 for c in chunks for _, w in c), "weighted prompts not supported here"
        ids = torch.tensor([[t for t, _ in c] for c in chunks])
        with torch.no_grad():
            z = model.text_model.final_layer_norm(model.text_model(ids)[-1])
        return z.reshape(1, -1, z.shape[-1])
    return encode


def make_denoiser(unet, schedule, cond, uncond, cfg):
    """ComfyUI's EPS model wrapper with CFG, cond and uncond in one batch."""
    def denoise(x, sigma):
        sigma = torch.as_tensor(sigma, dtype=torch.float32)
        x_in = x / (sigma ** 2 + 1.0) ** 0.5
        t = schedule.timestep(sigma).float()
        n = x.shape[0]
        with torch.no_grad():
            if cfg == 1.0:
                return x - unet(x_in, t.expand(n), cond) * sigma
            out = unet(torch.cat([x_in, x_in]), t.expand(2 * n), torch.cat([uncond, cond]))
        u, c = x - out[:n] * sigma, x - out[n:] * sigma
        return u + (c - u) * cfg
    return denoise


def to_uint8(decoded):
    return (((decoded + 1.0) / 2.0).clamp(0, 1) * 255.0).to(torch.uint8).float()


def run_case(case, unet, vae, encode_text, schedule, init_image):
    b = case["batch"]
    cond = encode_text(case["prompt"]).expand(b, -1, -1)
    uncond = encode_text(case["negative"]).expand(b, -1, -1)
    denoise_amount = case.get("strength", 1.0)
    sigmas = sampling_sigmas(schedule, case["scheduler"], case["steps"], denoise_amount, False)
    torch.manual_seed(case["seed"])
    noise = torch.randn(b, 4, 8, 8)
    sigma0 = sigmas[0]
    max_sigma = float(schedule.sigma_max)
    max_denoise = abs(float(sigma0) - max_sigma) <= 1e-5 * max(abs(max_sigma), abs(float(sigma0))) \
        or float(sigma0) > max_sigma
    x = noise * torch.sqrt(1.0 + sigma0 ** 2.0) if max_denoise else noise * sigma0
    if "strength" in case:
        with torch.no_grad():
            latent = vae.encode_mean(init_image) * SCALE
        x = x + latent.expand(b, -1, -1, -1)
    gen = torch.Generator()
    gen.manual_seed(case["seed"] + 1)
    noise_fn = lambda: torch.randn(b, 4, 8, 8, generator=gen)  # noqa: E731
    steps_seen = []
    model = make_denoiser(unet, schedule, cond, uncond, case["cfg"])
    final = SAMPLERS[case["sampler"]](model, x, sigmas, lambda i, *a: steps_seen.append(i),
                                      noise_fn)
    with torch.no_grad():
        decoded = vae.decode(final / SCALE)
    return final, to_uint8(decoded), len(steps_seen)


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    schedule = DiscreteSchedule()
    unet = as_f16(UNetModel(), "model.diffusion_model.")
    vae = as_f16(AutoencoderKL(), "first_stage_model.")
    encode_text = sd15_text_encoder()

    init = Image.open(PHOTO).convert("RGB").resize((64, 64), Image.LANCZOS)
    init.save(os.path.join(OUT, "init_64.png"))
    init_t = torch.from_numpy(np.asarray(init).astype(np.float32) / 255.0 * 2.0 - 1.0)
    init_t = init_t.permute(2, 0, 1)[None]

    tensors = {}
    for name, case in CASES.items():
        latent, image, steps = run_case(case, unet, vae, encode_text, schedule, init_t)
        tensors[f"{name}.latent"] = nhwc(latent)
        tensors[f"{name}.image"] = nhwc(image)
        tensors[f"{name}.steps"] = torch.tensor([steps], dtype=torch.int32)
        img = image.permute(0, 2, 3, 1)
        print(name, "image mean", img.mean().item(), "std", img.std().item(),
              "saturated", ((img == 0) | (img == 255)).float().mean().item())
    write_golden(os.path.join(OUT, "txt2img.safetensors"), tensors, VERSION,
                 "tools/reference/pipeline_txt2img.py")


if __name__ == "__main__":
    main()
