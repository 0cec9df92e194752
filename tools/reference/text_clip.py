"""Reference CLIP text transformer and its goldens (tests/golden/text/clip_{sd15,sd2}.safetensors),
plus the layouts the C++ tests build the same synthetic weights from
(tests/golden/layouts/{sd15,sd2}_clip.json).

Written from the CLIP paper/definition (Radford et al. 2021) in Hugging Face CLIPTextModel's
parameter names: token + position embedding; per layer x += attn(ln1(x)) with a causal mask,
x += fc2(act(fc1(ln2(x)))); final_layer_norm. Pre-LN, eps 1e-5, head dim 64.
  SD 1.x: OpenAI ViT-L/14 text tower, 12 layers, width 768, 12 heads, quick_gelu
          (x·sigmoid(1.702x)); output = last layer after final_layer_norm.
  SD 2.x: OpenCLIP ViT-H/14 text tower, 24 layers, width 1024, 16 heads, gelu (erf); output =
          penultimate layer's hidden state (after 23 of 24 layers) passed through
          final_layer_norm, as ComfyUI does (SD2ClipHModel layer_idx=-2,
          layer_norm_hidden_state=True).
Weights: synthetic.fill_module with full single-file names, prefix "cond_stage_model.transformer."
for both (SD 2.x single files store OpenCLIP names under cond_stage_model.model.; the checkpoint
loader converts them to these HF names, so the golden uses the HF names with the SD1 prefix).

Run: /usr/bin/python3 tools/reference/text_clip.py   (about a minute; ViT-H is 354M f32 params)
"""
import json
import math
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from golden import write_golden  # noqa: E402
from synthetic import fill_module  # noqa: E402
from text_prompt import tokenize_weighted  # noqa: E402
from text_tokenizer import VOCAB, Tokenizer  # noqa: E402

VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN_DIR = os.path.join(HERE, "../../tests/golden")
PREFIX = "cond_stage_model.transformer."
KEEP_TOKENS = 8  # intermediate hidden states keep the first 8 tokens (small goldens)
PROMPTS = ["a lighthouse at dusk, oil painting, highly detailed, 8k", ""]
# The whole SD1 conditioning path: weights, two chunks, (z - z_empty)·w + z_empty.
WEIGHTED_PROMPT = ("(a lighthouse:1.3) at dusk, ((oil painting)), [stormy sea], " +
                   ", ".join(["waves crashing on rocks"] * 14) + ", (moody:0.7)")


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x):
        b, n, c = x.shape
        d = c // self.heads

        def split(t):
            return t.view(b, n, self.heads, d).transpose(1, 2)  # [B, H, N, D]

        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        causal = torch.ones(n, n, dtype=torch.bool).triu(1)  # query i sees keys <= i
        scores = scores.masked_fill(causal, float("-inf"))
        out = scores.softmax(-1) @ v  # [B, H, N, D]
        return self.out_proj(out.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, width, hidden, act):
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)
        self.act = act

    def forward(self, x):
        h = self.fc1(x)
        h = h * torch.sigmoid(1.702 * h) if self.act == "quick_gelu" else nn.functional.gelu(h)
        return self.fc2(h)


class Layer(nn.Module):
    def __init__(self, width, heads, act):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(width, eps=1e-5)
        self.self_attn = Attention(width, heads)
        self.layer_norm2 = nn.LayerNorm(width, eps=1e-5)
        self.mlp = Mlp(width, 4 * width, act)

    def forward(self, x):
        x = x + self.self_attn(self.layer_norm1(x))
        return x + self.mlp(self.layer_norm2(x))


class Embeddings(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.token_embedding = nn.Embedding(49408, width)
        self.position_embedding = nn.Embedding(77, width)


class Encoder(nn.Module):
    def __init__(self, layers, width, heads, act):
        super().__init__()
        self.layers = nn.ModuleList([Layer(width, heads, act) for _ in range(layers)])


class TextModel(nn.Module):
    def __init__(self, layers, width, heads, act):
        super().__init__()
        self.embeddings = Embeddings(width)
        self.encoder = Encoder(layers, width, heads, act)
        self.final_layer_norm = nn.LayerNorm(width, eps=1e-5)

    def forward(self, ids):
        """Returns [embeddings, hidden after layer 0, ..., after layer L-1]."""
        n = ids.shape[1]
        x = self.embeddings.token_embedding(ids) + self.embeddings.position_embedding.weight[:n]
        states = [x]
        for layer in self.encoder.layers:
            x = layer(x)
            states.append(x)
        return states


class ClipText(nn.Module):
    """Holds text_model so state_dict keys are HF CLIPTextModel's ("text_model.…")."""

    def __init__(self, layers, width, heads, act):
        super().__init__()
        self.text_model = TextModel(layers, width, heads, act)


def token_batch(pad):
    tok = Tokenizer(VOCAB)
    rows = []
    for p in PROMPTS:
        ids = [49406] + tok.encode(p)[:75] + [49407]
        rows.append(ids + [pad] * (77 - len(ids)))
    return torch.tensor(rows, dtype=torch.int64)


def make(name, layers, width, heads, act, pad, output_layer, keep_layers):
    torch.manual_seed(0)
    model = ClipText(layers, width, heads, act).eval()
    layout = fill_module(model, PREFIX)
    with open(os.path.join(GOLDEN_DIR, "layouts", f"{name}_clip.json"), "w") as f:
        json.dump(layout, f, indent=0)
    ids = token_batch(pad)
    with torch.no_grad():
        states = model.text_model(ids)
        final_ln = model.text_model.final_layer_norm
        out = {"tokens": ids.to(torch.int32),
               "embeddings": states[0][:, :KEEP_TOKENS],
               "output": final_ln(states[output_layer])}
        for i in keep_layers:
            out[f"hidden.{i}"] = states[i + 1][:, :KEEP_TOKENS]
        out["last_normed"] = final_ln(states[-1])[:, :KEEP_TOKENS]
        out["penultimate_normed"] = final_ln(states[-2])[:, :KEEP_TOKENS]
    path = os.path.join(GOLDEN_DIR, "text", f"clip_{name}.safetensors")
    write_golden(path, out, VERSION, "tools/reference/text_clip.py", layers=layers, width=width,
                 heads=heads, activation=act, output_layer=output_layer, prompts=json.dumps(PROMPTS))
    if name == "sd15":
        weighted_golden(model)
    params = sum(p.numel() for p in model.parameters())
    print(f"wrote {path}: {params / 1e6:.1f}M params, output {tuple(out['output'].shape)}")


def weighted_golden(model):
    """ComfyUI's encode_token_weights on the SD1 model: every chunk and the empty prompt in one
    batch, weighted tokens moved away from the empty prompt's encoding, chunks concatenated."""
    chunks = tokenize_weighted(Tokenizer(VOCAB), WEIGHTED_PROMPT, pad_with_end=True)
    ids = torch.tensor([[t for t, _ in c] for c in chunks] + [[49406] + [49407] * 76])
    with torch.no_grad():
        states = model.text_model(ids)
        z = model.text_model.final_layer_norm(states[-1])
    z_empty = z[-1]
    out = []
    for k, chunk in enumerate(chunks):
        zk = z[k].clone()
        for j, (_, w) in enumerate(chunk):
            if w != 1.0:
                zk[j] = (zk[j] - z_empty[j]) * w + z_empty[j]
        out.append(zk)
    cond = torch.cat(out, 0)[None]
    path = os.path.join(GOLDEN_DIR, "text", "clip_sd15_weighted.safetensors")
    write_golden(path, {"conditioning": cond}, VERSION, "tools/reference/text_clip.py",
                 prompt=WEIGHTED_PROMPT)
    print(f"wrote {path}: {tuple(cond.shape)}")


def main():
    torch.set_num_threads(2)
    os.makedirs(os.path.join(GOLDEN_DIR, "layouts"), exist_ok=True)
    # SD 1.x: last layer (index 12 of states) after final_layer_norm; end-token padding.
    make("sd15", 12, 768, 12, "quick_gelu", 49407, 12, [0, 5, 11])
    # SD 2.x: penultimate layer (states[-2] = after 23 layers) after final_layer_norm; pad 0.
    make("sd2", 24, 1024, 16, "gelu", 0, 23, [0, 11, 22])


if __name__ == "__main__":
    main()
