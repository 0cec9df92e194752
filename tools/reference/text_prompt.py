"""Reference prompt weighting and chunking as ComfyUI reads prompts (comfy/sd1_clip.py:
escape_important, parse_parentheses, token_weights, SDTokenizer.tokenize_with_weights), restated,
and its golden (tests/golden/text/prompt_chunks.safetensors).

- "\\(" and "\\)" are literal parentheses; "(text)" multiplies the weight by 1.1 per level;
  "(text:w)" sets it to w (Python float(); absolute, not multiplied); "[text]" has no meaning
  (A1111 divides by 1.1; ComfyUI does not, and neither does the engine by default).
- Each segment is split on ' ' (after '\\n' -> ' '), each word tokenized alone, so the text
  cleanup (text_tokenizer.py: comfyui, hf-ftfy, openai) runs per word after weights and escapes
  are resolved (a word that is itself a vocabulary entry, word + "</w>", takes that id directly,
  as ComfyUI does); "embedding:" words are ordinary text (no embedding directory).
  Version 2: the default cleanup is ComfyUI's (comfyui); a per-prompt "cleanup" tensor (0
  comfyui, 1 hf-ftfy, 2 openai) and prompts run under the other two cleanups as well.
- Chunks: [start] + tokens + [end], padded to 77 (SD1: with the end token; SD2: with 0). A word
  of fewer than 8 tokens that does not fit moves whole to the next chunk; longer words are split.

Run: /usr/bin/python3 tools/reference/text_prompt.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from golden import write_golden  # noqa: E402
from text_tokenizer import CLEANUPS, VOCAB, Tokenizer  # noqa: E402

VERSION = 2
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "../../tests/golden/text/prompt_chunks.safetensors")
START, END = 49406, 49407
MAX_LENGTH, MAX_WORD_LENGTH = 77, 8


def escape(text):
    return text.replace("\\)", "\0\1").replace("\\(", "\0\2")


def unescape(text):
    return text.replace("\0\1", ")").replace("\0\2", "(")


def split_parentheses(text):
    """Top-level pieces: plain runs and balanced '(...)' groups (unbalanced ')' stay text)."""
    pieces, current, depth = [], "", 0
    for ch in text:
        if ch == "(":
            if depth == 0:
                if current:
                    pieces.append(current)
                current = "("
            else:
                current += ch
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                pieces.append(current + ")")
                current = ""
            else:
                current += ch
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


def segment_weights(text, weight):
    out = []
    for piece in split_parentheses(text):
        if len(piece) >= 2 and piece[0] == "(" and piece[-1] == ")":
            inner = piece[1:-1]
            colon = inner.rfind(":")
            w = weight * 1.1
            if colon > 0:
                try:
                    w = float(inner[colon + 1:])
                    inner = inner[:colon]
                except ValueError:
                    pass
            out += segment_weights(inner, w)
        else:
            out.append((piece, weight))
    return out


def tokenize_weighted(tok, prompt, pad_with_end=True, cleanup="comfyui"):
    """-> list of chunks, each a list of (id, weight) of length 77."""
    pad = END if pad_with_end else 0
    words = []
    for segment, weight in segment_weights(escape(prompt), 1.0):
        for word in unescape(segment).replace("\n", " ").split(" "):
            if not word:
                continue
            exact = tok.ids.get(word + "</w>")
            ids = [exact] if exact is not None else tok.encode(word, cleanup)
            words.append([(t, weight) for t in ids])
    chunks, chunk = [], [(START, 1.0)]
    chunks.append(chunk)
    for group in words:
        large = len(group) >= MAX_WORD_LENGTH
        while group:
            if len(group) + len(chunk) > MAX_LENGTH - 1:
                room = MAX_LENGTH - len(chunk) - 1
                if large:
                    chunk.extend(group[:room])
                    chunk.append((END, 1.0))
                    group = group[room:]
                else:
                    chunk.append((END, 1.0))
                    chunk.extend([(pad, 1.0)] * room)
                chunk = [(START, 1.0)]
                chunks.append(chunk)
            else:
                chunk.extend(group)
                group = []
    chunk.append((END, 1.0))
    chunk.extend([(pad, 1.0)] * (MAX_LENGTH - len(chunk)))
    return chunks


LONG = ", ".join(["a beautiful landscape with mountains and rivers"] * 12)
CORPUS = [
    "",
    "a photo of a cat",
    "(masterpiece:1.2), best quality, (detailed)",
    "((nested)) (((deeper))) and (outer (inner:1.5) rest)",
    "(a:0.5) (b:-1) (c:1e1) (d: 2 ) (e:1_0.5) (f:inf)",
    "(word:notanumber) (:1.3) (x:)",
    "[worse] [[much worse]] A1111 brackets",
    "\\(literal\\) parentheses and \\(escaped:1.5\\)",
    "unbalanced ) close and ( open",
    ")( reversed",
    "embedding:my_style, a cat",
    "line one\nline two  double  spaces",
    "東京タワー (夜景:1.3) 🐱",
    LONG,
    "(" + LONG + ":0.9)",
    "pneumonoultramicroscopicsilicovolcanoconiosis " * 10,
    "word " * 74 + "end",
    "x " * 75 + "boundary",
    "a, " * 80,
    "(\u5bcc\u58eb\u5c71:1.2) &amp; \\(\u6771\u4eac\\) <|endoftext|>!! (\u201cquoted\u201d:0.8)",
]
# Prompts run under the other cleanups too (CJK, entities, special tokens, weights).
OTHER_CLEANUP_PROMPTS = [CORPUS[2], CORPUS[12], CORPUS[-1]]


def main():
    tok = Tokenizer(VOCAB)
    ids, weights, offsets, pad_flags, cleanups = [], [], [0], [], []
    cases = ([(p, True, "comfyui") for p in CORPUS] +
             [(p, False, "comfyui") for p in CORPUS[:4] + [LONG]] +
             [(p, pad, c) for c in CLEANUPS[1:] for p in OTHER_CLEANUP_PROMPTS
              for pad in (True, False)])
    for prompt, pad_with_end, cleanup in cases:
        chunks = tokenize_weighted(tok, prompt, pad_with_end, cleanup)
        cleanups.append(CLEANUPS.index(cleanup))
        for c in chunks:
            ids += [t for t, _ in c]
            weights += [w for _, w in c]
        offsets.append(len(ids))
        pad_flags.append(int(pad_with_end))
    write_golden(OUT, {"ids": torch.tensor(ids, dtype=torch.int32),
                       "weights": torch.tensor(weights, dtype=torch.float64),
                       "offsets": torch.tensor(offsets, dtype=torch.int32),
                       "pad_with_end": torch.tensor(pad_flags, dtype=torch.int32),
                       "cleanup": torch.tensor(cleanups, dtype=torch.int32)},
                 VERSION, "tools/reference/text_prompt.py",
                 prompts=json.dumps([p for p, _, _ in cases], ensure_ascii=True))
    print(f"wrote {OUT}: {len(cases)} prompts, {len(ids) // 77} chunks")


if __name__ == "__main__":
    main()
