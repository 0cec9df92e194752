"""Image fixtures for tests/image: small files in the encodings a decoder meets in the wild
(16-bit, palette + transparency, grey, grey + alpha, interlaced PNG; baseline, progressive, grey,
CMYK and EXIF-rotated JPEG; WebP with alpha), written by PIL, plus what PIL decodes them to and
PIL's Lanczos/bicubic resizes of a photo crop, as a golden for the C++ decoders and resizer.

Run: /usr/bin/python3 tools/reference/pipeline_image_fixtures.py
"""
import io
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden import write_golden  # noqa: E402

VERSION = 1
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "golden", "image")
PHOTO = os.path.join(ROOT, "..", "shared", "data", "images", "astronaut.png")


def exif_with_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def main():
    os.makedirs(OUT, exist_ok=True)
    photo = Image.open(PHOTO).convert("RGB")
    crop = photo.crop((200, 100, 232, 120))  # 32x20, a face detail
    rgb = np.asarray(crop)
    tensors = {}

    def save(name, img, **kw):
        path = os.path.join(OUT, name)
        img.save(path, **kw)
        return path

    # 16-bit RGB PNG: values v*257 so the exact 8-bit answer is v.
    rgb16 = (rgb.astype(np.uint32) * 257).astype(">u2")
    import zlib, struct  # 16-bit RGB is not writable through PIL: write the chunks by hand.

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    h, w = rgb.shape[:2]
    raw = b"".join(b"\x00" + rgb16[y].tobytes() for y in range(h))
    png16 = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
             + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    with open(os.path.join(OUT, "rgb16.png"), "wb") as f:
        f.write(png16)
    tensors["rgb16"] = torch.from_numpy(rgb.astype(np.float32))

    pal = crop.quantize(colors=16)
    pal.info["transparency"] = 0
    save("palette_trns.png", pal, transparency=0)
    tensors["palette_trns"] = torch.from_numpy(
        np.asarray(Image.open(os.path.join(OUT, "palette_trns.png")).convert("RGBA")).astype(np.float32))

    grey = crop.convert("L")
    save("grey.png", grey)
    tensors["grey"] = torch.from_numpy(np.asarray(grey.convert("RGB")).astype(np.float32))

    la = Image.merge("LA", (grey, grey.point(lambda v: 255 - v)))
    save("grey_alpha.png", la)
    tensors["grey_alpha"] = torch.from_numpy(np.asarray(la.convert("RGBA")).astype(np.float32))

    # Interlaced (Adam7) PNG: PIL cannot write it; build it with the same hand-written chunks.
    def adam7(img):
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
                  (1, 0, 2, 2), (0, 1, 1, 2)]
        out = b""
        for x0, y0, dx, dy in passes:
            sub = img[y0::dy, x0::dx]
            if sub.size == 0:
                continue
            out += b"".join(b"\x00" + sub[y].tobytes() for y in range(sub.shape[0]))
        return out
    interlaced = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1))
                  + chunk(b"IDAT", zlib.compress(adam7(rgb))) + chunk(b"IEND", b""))
    with open(os.path.join(OUT, "interlaced.png"), "wb") as f:
        f.write(interlaced)
    tensors["interlaced"] = torch.from_numpy(rgb.astype(np.float32))

    # JPEGs: compare with what libjpeg (through PIL) decodes, the same library we use.
    for name, img, kw in [("baseline.jpg", crop, {"quality": 90}),
                          ("progressive.jpg", crop, {"quality": 90, "progressive": True}),
                          ("grey.jpg", grey, {"quality": 90}),
                          ("cmyk.jpg", crop.convert("CMYK"), {"quality": 95})]:
        path = save(name, img, **kw)
        tensors[name.split(".")[0] + "_jpg"] = torch.from_numpy(
            np.asarray(Image.open(path).convert("RGB")).astype(np.float32))

    # EXIF orientation 6: stored sideways, displayed rotated 90 degrees clockwise.
    path = save("exif_rot6.jpg", crop, quality=90, exif=exif_with_orientation(6))
    from PIL import ImageOps
    tensors["exif_rot6_jpg"] = torch.from_numpy(
        np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB")).astype(np.float32))

    rgba = crop.convert("RGBA")
    rgba.putalpha(grey)
    save("alpha_lossless.webp", rgba, lossless=True)
    tensors["alpha_lossless_webp"] = torch.from_numpy(np.asarray(rgba).astype(np.float32))

    # Resizes of the whole photo crop region (64x48 source) down and up.
    src = photo.crop((180, 90, 244, 138))
    save("resize_src.png", src)
    for label, filt in [("lanczos", Image.LANCZOS), ("bicubic", Image.BICUBIC)]:
        for tw, th in [(24, 18), (100, 75)]:
            tensors[f"resize_{label}_{tw}x{th}"] = torch.from_numpy(
                np.asarray(src.resize((tw, th), filt)).astype(np.float32))

    write_golden(os.path.join(OUT, "decoded.safetensors"), tensors, VERSION,
                 "tools/reference/pipeline_image_fixtures.py")
    print("wrote", len(tensors), "tensors to", OUT)


if __name__ == "__main__":
    main()
