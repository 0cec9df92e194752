"""A1111 inpainting pixel steps for tests/pipeline/a1111_inpaint_test.cpp, restated with PIL
(the library A1111 runs them on) from AUTOMATIC1111 stable-diffusion-webui's definitions:

  masking.fill          the kept pixels pasted into a transparent premultiplied (RGBa) canvas
                        through the inverted mask; that layer Gaussian-blurred at radii 256, 64,
                        16, 4, 2, 0 and alpha-composited onto a transparent RGBA canvas 1, 1, 2,
                        4, 2, 1 times; the result's RGB.
  get_crop_region_v2    the mask's bounding box (Image.getbbox) grown by `pad`, clamped; None
                        when the mask is blank.
  expand_crop_region    the box widened about its centre to the processing aspect ratio,
                        moved back inside the image, clamped (restated below from its rules).
  apply_overlay         the original pasted (RGBa) through the inverted overlay mask, converted
                        to RGBA and alpha-composited over the generated image (RGBA), then RGB.
  resize_image 1 and 2  crop-and-resize and resize-and-fill with LANCZOS.
  latent mask           processing.py: the mask .convert('RGB').resize(latent size) (PIL's
                        default resample, bicubic), channel 0 / 255, np.around when mask_round.

Inputs are small synthetic pictures (a smooth gradient with a few hard shapes, and masks with
soft edges) so blur, premultiplication and rounding all matter. Writes
tests/golden/pipeline/a1111_inpaint.safetensors (uint8 values stored as f32; crop boxes as i64,
per case the blurred mask's bounding box, the padded box and the expanded box).

Run: /usr/bin/python3 tools/reference/pipeline_a1111_inpaint.py
"""
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageFilter, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from golden import write_golden  # noqa: E402

VERSION = 2
OUT = os.path.join(HERE, "..", "..", "tests", "golden", "pipeline", "a1111_inpaint.safetensors")


def picture(w, h, seed):
    """A gradient with a bright disc and a dark bar: colour changes both smooth and sharp."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([255 * x / (w - 1), 255 * y / (h - 1), 128 + 60 * np.sin(x / 5 + y / 7)], -1)
    disc = (x - w * 0.3) ** 2 + (y - h * 0.4) ** 2 < (min(w, h) * 0.2) ** 2
    img[disc] = [250, 240, 30]
    img[int(h * 0.7):int(h * 0.8), :] = [20, 30, 200]
    img += rng.uniform(-6, 6, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def mask_picture(w, h, box, blur):
    """A white rectangle on black, Gaussian-blurred by PIL for soft edges."""
    m = np.zeros((h, w), np.uint8)
    x1, y1, x2, y2 = box
    m[y1:y2, x1:x2] = 255
    img = Image.fromarray(m, "L")
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    return np.array(img)


def fill(image, mask):
    """modules/masking.py fill, step by step."""
    image_mod = Image.new("RGBA", (image.width, image.height))
    image_masked = Image.new("RGBa", (image.width, image.height))
    image_masked.paste(image.convert("RGBA").convert("RGBa"), mask=ImageOps.invert(mask.convert("L")))
    image_masked = image_masked.convert("RGBa")
    for radius, repeats in [(256, 1), (64, 1), (16, 2), (4, 4), (2, 2), (0, 1)]:
        blurred = image_masked.filter(ImageFilter.GaussianBlur(radius)).convert("RGBA")
        for _ in range(repeats):
            image_mod.alpha_composite(blurred)
    return image_mod.convert("RGB")


def crop_region(mask, pad):
    box = Image.fromarray(mask, "L").getbbox()
    if not box:
        return None
    x1, y1, x2, y2 = box
    h, w = mask.shape
    return (max(x1 - pad, 0), max(y1 - pad, 0), min(x2 + pad, w), min(y2 + pad, h))


def expand_crop_region(region, pw, ph, iw, ih):
    """The region's one short axis grows by int(desired - current), half (floored) before and
    the rest after; then it is moved back inside [0, size) and finally clamped."""
    x1, y1, x2, y2 = region

    def grow(lo, hi, diff, size):
        lo -= diff // 2
        hi += diff - diff // 2
        if hi >= size:
            lo, hi = lo - (hi - size), size
        if lo < 0:
            lo, hi = 0, hi - lo
        return lo, min(hi, size)

    if (x2 - x1) / (y2 - y1) > pw / ph:
        y1, y2 = grow(y1, y2, int((x2 - x1) / (pw / ph) - (y2 - y1)), ih)
    else:
        x1, x2 = grow(x1, x2, int((y2 - y1) * (pw / ph) - (x2 - x1)), iw)
    return (x1, y1, x2, y2)


def overlay(generated, original, overlay_mask):
    """processing.py: the overlay image built in init, applied by apply_overlay."""
    image_masked = Image.new("RGBa", (original.width, original.height))
    image_masked.paste(original.convert("RGBA").convert("RGBa"),
                       mask=ImageOps.invert(overlay_mask.convert("L")))
    layer = image_masked.convert("RGBA")
    out = generated.convert("RGBA")
    out.alpha_composite(layer)
    return out.convert("RGB")


def resize_crop(im, width, height):
    ratio, src_ratio = width / height, im.width / im.height
    src_w = width if ratio > src_ratio else im.width * height // im.height
    src_h = height if ratio <= src_ratio else im.height * width // im.width
    resized = im.resize((src_w, src_h), resample=Image.LANCZOS)
    res = Image.new("RGB", (width, height))
    res.paste(resized, box=(width // 2 - src_w // 2, height // 2 - src_h // 2))
    return res


def resize_fill(im, width, height):
    ratio, src_ratio = width / height, im.width / im.height
    src_w = width if ratio < src_ratio else im.width * height // im.height
    src_h = height if ratio >= src_ratio else im.height * width // im.width
    resized = im.resize((src_w, src_h), resample=Image.LANCZOS)
    res = Image.new("RGB", (width, height))
    res.paste(resized, box=(width // 2 - src_w // 2, height // 2 - src_h // 2))
    if ratio < src_ratio:
        fh = height // 2 - src_h // 2
        if fh > 0:
            res.paste(resized.resize((width, fh), box=(0, 0, width, 0)), box=(0, 0))
            res.paste(resized.resize((width, fh), box=(0, resized.height, width, resized.height)),
                      box=(0, fh + src_h))
    elif ratio > src_ratio:
        fw = width // 2 - src_w // 2
        if fw > 0:
            res.paste(resized.resize((fw, height), box=(0, 0, 0, height)), box=(0, 0))
            res.paste(resized.resize((fw, height), box=(resized.width, 0, resized.width, height)),
                      box=(fw + src_w, 0))
    return res


def u8(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float32).copy())


# (name, image w, h, mask box, mask blur, padding, processing w, h): crop cases cover a small
# central mask, masks at each border, a wide and a tall mask, padding past the image, a mask the
# whole image, and a processing ratio the image cannot hold.
CROP_CASES = [
    ("centre", 96, 80, (40, 30, 52, 44), 2, 8, 64, 64),
    ("left_edge", 96, 80, (0, 20, 10, 50), 0, 32, 64, 64),
    ("bottom_right", 96, 80, (80, 70, 96, 80), 3, 4, 64, 48),
    ("wide", 96, 80, (10, 35, 86, 42), 1, 2, 64, 64),
    ("tall", 96, 80, (45, 5, 50, 75), 0, 0, 64, 96),
    ("full", 96, 80, (0, 0, 96, 80), 0, 32, 64, 64),
    ("too_tall", 96, 40, (20, 5, 70, 35), 0, 16, 64, 128),
]


def main():
    t = {}
    img = picture(48, 40, 1)
    t["image"] = u8(img)
    for name, box, blur in [("soft", (14, 10, 34, 28), 3), ("hard", (0, 24, 20, 40), 0)]:
        mask = mask_picture(48, 40, box, blur)
        t[f"fill_{name}_mask"] = u8(mask)
        t[f"fill_{name}"] = u8(fill(Image.fromarray(img), Image.fromarray(mask, "L")))
    rgba = Image.fromarray(img).convert("RGBA")
    premul = np.array(rgba.convert("RGBa"))
    premul[..., 3] = mask_picture(48, 40, (10, 10, 30, 30), 2)  # varied alpha
    layer = Image.fromarray(premul, "RGBa")
    t["blur_input"] = u8(premul)
    for r in (1, 2.5, 16, 256):
        t[f"blur_{r}"] = u8(np.array(layer.filter(ImageFilter.GaussianBlur(r))))
    generated = picture(48, 40, 7)[::-1].copy()
    t["generated"] = u8(generated)
    omask = mask_picture(48, 40, (8, 6, 30, 22), 2)
    t["overlay_mask"] = u8(omask)
    t["overlay"] = u8(overlay(Image.fromarray(generated), Image.fromarray(img),
                              Image.fromarray(omask, "L")))
    boxes = []
    for name, iw, ih, box, blur, pad, pw, ph in CROP_CASES:
        mask = mask_picture(iw, ih, box, blur)
        region = crop_region(mask, pad)
        expanded = expand_crop_region(region, pw, ph, iw, ih)
        boxes.append(list(crop_region(mask, 0)) + list(region) + list(expanded))
    t["crop_boxes"] = torch.tensor(boxes, dtype=torch.int64)
    src = Image.fromarray(img)
    latmask = np.array(Image.fromarray(mask_picture(48, 40, (14, 10, 34, 28), 3), "L")
                       .convert("RGB").resize((6, 5)), dtype=np.float32)[..., 0] / 255
    t["latent_mask_6x5"] = torch.from_numpy(latmask.copy())
    t["latent_mask_6x5_rounded"] = torch.from_numpy(np.around(latmask))
    t["resize_crop_64x32"] = u8(resize_crop(src, 64, 32))
    t["resize_fill_64x32"] = u8(resize_fill(src, 64, 32))
    t["resize_fill_32x64"] = u8(resize_fill(src, 32, 64))
    write_golden(OUT, t, VERSION, "tools/reference/pipeline_a1111_inpaint.py",
                 crop_cases=";".join(c[0] for c in CROP_CASES))
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
