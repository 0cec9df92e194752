"""Golden for tests/synthetic: synthetic values of a few tensors, to prove the C++ generator is
bit-identical to synthetic.py.  Run: /usr/bin/python3 tools/reference/synthetic_golden.py"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from golden import write_golden  # noqa: E402
from synthetic import synthetic_tensor  # noqa: E402

VERSION = 1
NAMES = {
    "input_blocks.0.0.weight": [320, 4, 3, 3],
    "input_blocks.0.0.bias": [320],
    "middle_block.1.norm.weight": [1280],
    "text_model.embeddings.token_embedding.weight": [97, 13],
    "x": [5],
}
out = os.path.join(os.path.dirname(__file__), "../../tests/golden/synthetic/values.safetensors")
write_golden(out, {k: synthetic_tensor(k, s) for k, s in NAMES.items()}, VERSION, "tools/reference/synthetic_golden.py")
