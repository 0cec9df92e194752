"""Writes the io-area test fixtures into tests/golden/io/ (run with Debian's /usr/bin/python3):

  tiny.safetensors   every supported dtype (F32 F16 BF16 I32 I64 U8) plus an F64 tensor, written
                     by hand from the safetensors layout (8-byte LE header length, JSON, data)
  tiny.pth           torch.save of an OrderedDict: f32/f16/bf16/i64 tensors, an nn.Parameter, a
                     transposed (non-contiguous) view, a view with a storage offset, a nested dict
  tiny_lightning.ckpt  {"state_dict": {...}, "global_step": 7, "epoch": 1} as Lightning saves it
  hostile.ckpt       torch.save of an object whose __reduce__ is os.system(...): must be refused
  legacy.pth         the pre-1.6 non-zip torch.save format: must give "unsupported legacy format"
  tiny_expected.safetensors  golden (tests/testing/golden.h) with every tensor above as f32
  taef2_tensors.json names, shapes, dtypes and f64 sums of ../shared/data/taef2/*.pth (torch.load)

Usage: /usr/bin/python3 tools/reference/io_make_fixtures.py [repo root]
"""
import collections
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden import write_golden  # noqa: E402

VERSION = 1
ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "tests", "golden", "io")
SHARED = os.path.join(ROOT, "..", "shared", "data")


def values(n, scale=1.0):
    """Deterministic values without a RNG: easy to recompute when debugging."""
    return torch.tensor([((i * 37) % 23 - 11) * 0.125 * scale for i in range(n)])


def raw_safetensors(path, tensors, metadata):
    """tensors: list of (name, dtype string, shape, bytes)."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def make_tiny_safetensors(expected):
    f32 = values(6).reshape(2, 3)
    f16 = values(8, 0.5).reshape(2, 2, 2)
    bf16 = values(5, 4.0)
    i32 = torch.arange(-3, 3, dtype=torch.int32).reshape(3, 2)
    i64 = torch.tensor([1 << 40, -5, 77], dtype=torch.int64)
    u8 = torch.tensor([0, 1, 128, 255], dtype=torch.uint8).reshape(2, 2)
    f64 = torch.tensor([0.1, -2.5, 1e-3], dtype=torch.float64)
    bf16_raw = bf16.to(torch.bfloat16).view(torch.int16).numpy().tobytes()
    entries = [
        ("a.f32", "F32", [2, 3], f32.numpy().tobytes()),
        ("b.f16", "F16", [2, 2, 2], f16.half().numpy().tobytes()),
        ("c.bf16", "BF16", [5], bf16_raw),
        ("d.i32", "I32", [3, 2], i32.numpy().tobytes()),
        ("e.i64", "I64", [3], i64.numpy().tobytes()),
        ("f.u8", "U8", [2, 2], u8.numpy().tobytes()),
        ("g.f64", "F64", [3], f64.numpy().tobytes()),
        ("h.scalar", "F32", [], torch.tensor(3.5).numpy().tobytes()),
        ("i.empty", "F16", [0, 4], b""),
    ]
    raw_safetensors(os.path.join(OUT, "tiny.safetensors"), entries,
                    {"format": "pt", "modelspec.title": "tiny fixture"})
    expected.update({"st/a.f32": f32, "st/b.f16": f16.half().float(),
                     "st/c.bf16": bf16.to(torch.bfloat16).float(), "st/d.i32": i32,
                     "st/e.i64": i64, "st/f.u8": u8.float(), "st/g.f64": f64.float(),
                     "st/h.scalar": torch.tensor(3.5)})


def tiny_state_dict():
    big = values(40).reshape(8, 5)
    sd = collections.OrderedDict()
    sd["conv.weight"] = values(24).reshape(2, 3, 2, 2)
    sd["conv.bias"] = torch.nn.Parameter(values(2, 2.0))
    sd["half.weight"] = values(6, 0.5).reshape(3, 2).half()
    sd["bf.weight"] = values(4, 3.0).to(torch.bfloat16)
    sd["steps"] = torch.tensor([3, -4, 5], dtype=torch.int64)
    sd["transposed"] = big.t()            # non-contiguous: strides (1, 5)
    sd["rows"] = big[2:5]                 # storage offset 10 into the shared storage
    sd["nested"] = {"inner.weight": values(3, -1.0)}
    return sd


def make_torch_files(expected):
    sd = tiny_state_dict()
    torch.save(sd, os.path.join(OUT, "tiny.pth"))
    for k, v in sd.items():
        if isinstance(v, dict):
            for k2, v2 in v.items():
                expected["pth/%s.%s" % (k, k2)] = v2.detach().float()
        else:
            expected["pth/" + k] = v.detach().float()
    torch.save({"state_dict": sd, "global_step": 7, "epoch": 1},
               os.path.join(OUT, "tiny_lightning.ckpt"))


class Hostile:
    def __reduce__(self):
        return (os.system, ("touch /tmp/pixforge-pwned-fixture",))


def make_hostile_files():
    torch.save({"state_dict": {"w": torch.zeros(2)}, "payload": Hostile()},
               os.path.join(OUT, "hostile.ckpt"))
    torch.save({"w": torch.ones(2)}, os.path.join(OUT, "legacy.pth"),
               _use_new_zipfile_serialization=False)


def make_taef2_list():
    out = {"version": VERSION, "files": {}}
    for part in ("encoder", "decoder"):
        sd = torch.load(os.path.join(SHARED, "taef2", "taef2_%s.pth" % part), map_location="cpu")
        out["files"][part] = [
            {"name": k, "dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
             "sum": float(v.double().sum()), "first": float(v.flatten()[0]) if v.numel() else 0.0}
            for k, v in sd.items()]
    with open(os.path.join(OUT, "taef2_tensors.json"), "w") as f:
        json.dump(out, f, indent=1)


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    make_tiny_safetensors(expected)
    make_torch_files(expected)
    make_hostile_files()
    make_taef2_list()
    write_golden(os.path.join(OUT, "tiny_expected.safetensors"),
                 {k: v.contiguous() for k, v in expected.items()}, VERSION,
                 "tools/reference/io_make_fixtures.py")


if __name__ == "__main__":
    main()
