"""Writes golden files the C++ tests read (tests/testing/golden.h): the safetensors layout with
metadata {"format": "pixforge-golden", "version": N, "script": <generator>}. No dependency beyond
torch; run every script here with Debian's /usr/bin/python3 (python3-torch)."""
import json
import os
import struct

import torch

_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.float64: "F64",
           torch.int64: "I64", torch.int32: "I32"}


def write_golden(path, tensors, version, script, **metadata):
    """tensors: dict name -> torch.Tensor (saved contiguous, little-endian)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype not in _DTYPES:
            t = t.float()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    meta = {"format": "pixforge-golden", "version": str(version), "script": script}
    meta.update({k: str(v) for k, v in metadata.items()})
    header["__metadata__"] = meta
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
