"""Reference CLIP BPE tokenizer and its golden (tests/golden/text/tokenizer_ids.safetensors).

A restatement of the algorithm of OpenAI CLIP's simple_tokenizer.py (the tokenizer SD 1.x/2.x were
trained with): ftfy.fix_text (restated in text_ftfy.py), html-unescape twice, strip, collapse whitespace runs to one space, lowercase, split
with the CLIP pattern (\\p{L} letters, \\p{N} numbers, contractions, special tokens; python-regex,
IGNORECASE), map each piece's UTF-8 bytes to the printable byte alphabet and apply byte-level BPE
with "</w>" marking a word end.

ftfy is not packaged in Debian: text_ftfy.py restates ftfy 6.3's fix_text with its default
configuration. Hugging Face's CLIPTokenizer without ftfy installed takes a different path (its
BasicTokenizer: no html unescape, control characters removed, CJK ideographs split one per word,
NFC); the engine follows OpenAI's definition, see engine/include/pixforge/text/clip_tokenizer.h.
Version 2 applies fix_text (version 1 did not) and adds prompts that need it after the first 61.

Run: /usr/bin/python3 tools/reference/text_tokenizer.py
"""
import gzip
import html
import json
import os
import re
import sys

import regex
import torch

sys.path.insert(0, os.path.dirname(__file__))
from golden import write_golden  # noqa: E402
from text_ftfy import fix_text  # noqa: E402

VERSION = 2
HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = os.path.join(HERE, "../../../shared/data/clip/bpe_simple_vocab_16e6.txt.gz")
OUT = os.path.join(HERE, "../../tests/golden/text/tokenizer_ids.safetensors")

PATTERN = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE)


def byte_alphabet():
    """Byte -> printable character: printable Latin-1 bytes map to themselves, the other 68 bytes
    to U+0100 onwards in byte order (so BPE never sees whitespace or control characters)."""
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    chars = list(keep)
    extra = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(keep, chars)}, [chr(c) for c in chars]


class Tokenizer:
    def __init__(self, vocab_gz):
        lines = gzip.open(vocab_gz).read().decode("utf-8").split("\n")
        merges = [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]]
        self.byte_map, ordered = byte_alphabet()
        vocab = ordered + [c + "</w>" for c in ordered] + ["".join(m) for m in merges]
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        self.ids = {tok: i for i, tok in enumerate(vocab)}
        self.ranks = {m: i for i, m in enumerate(merges)}

    def bpe(self, piece):
        word = [self.byte_map[b] for b in piece.encode("utf-8")]
        word[-1] += "</w>"
        while len(word) > 1:
            pairs = [(word[i], word[i + 1]) for i in range(len(word) - 1)]
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        return [self.ids[t] for t in word]

    @staticmethod
    def clean(text):
        # Python's re (not python-regex) collapses whitespace, as simple_tokenizer does: its \s
        # is str.isspace(), which includes U+001C..U+001F.
        text = html.unescape(html.unescape(fix_text(text))).strip()
        return re.sub(r"\s+", " ", text).strip().lower()

    def encode(self, text):
        out = []
        for piece in PATTERN.findall(self.clean(text)):
            if piece in ("<|startoftext|>", "<|endoftext|>"):
                out.append(self.ids[piece])
            else:
                out.extend(self.bpe(piece))
        return out


CORPUS = [
    "",
    " ",
    "a photo of a cat",
    "A Photo Of A CAT",
    "a lighthouse at dusk, oil painting",
    "masterpiece, best quality, 1girl, solo, long hair, looking at viewer",
    "hello,world!!! ...  ???",
    "tabs\tand\nnewlines\r\n  and   runs     of spaces",
    "  leading and trailing  ",
    "it's can't we're they've I'm you'll he'd",
    "IT'S CAN'T WE'RE",
    "don't stop 'til",
    "café naïve résumé façade",
    "Ünïcödé ÀÉÎÕÜ",
    "東京タワーの夜景",
    "一只可爱的猫",
    "한국어 텍스트",
    "Привет, мир!",
    "Γειά σου Κόσμε",
    "مرحبا بالعالم",
    "हिन्दी पाठ",
    "emoji 🐱🚀✨ and 👩‍👩‍👧‍👦 family",
    "flags 🇯🇵🇫🇷",
    "numbers 1234567890 3.14159 1e-5 ½ ² Ⅻ",
    "arabic digits ٣٤٥ and fullwidth １２３",
    "&amp; &lt;tag&gt; &quot;quoted&quot; &#39;apos&#39;",
    "&amp;amp; double escaped",
    "&copy 2024 &notit; &notin; &NotANamedEntity; &#x1F600; &#128512;",
    "&#0; &#x80; &#xD800; &#1114112; &#99999999999999999999;",
    "<|startoftext|>explicit<|endoftext|> tokens",
    "<|ENDOFTEXT|> upper special",
    "(masterpiece:1.2), (best quality), [worse]",
    "\\(escaped\\) parens",
    "embedding:my_style, a cat",
    "a,b.c;d:e!f?g-h_i/j\\k|l@m#n$o%p^q&r*s+t=u~v`w",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "ß straße İstanbul ǅ ﬁ ﬂ",
    "ſ long s 'ſ and Kelvin K",
    "combining a\u0345b and e\u0301 vs é",
    "zero\u200bwidth\u200dspace and nbsp\u00a0here",
    "line\u2028separator\u2029paragraph\u0085nel\x1cfs",
    "control\x01\x02\x7fchars",
    "😀",
    "   ",
    "\n\n\n",
    "!!!",
    "'",
    "'s",
    "'''s's",
    "x" * 5,
    "photorealistic 8k uhd dslr, soft lighting, high quality, film grain, Fujifilm XT3",
    "a very long prompt " + " ".join(["with many words"] * 40),
    "mixed日本語and English混合",
    "tab\u00a0\u2003\u3000spaces",
    "UPPER lower MiXeD",
    "ÅÆØ åæø",
    "ǈǋǲ titlecase",
    "\U0001d400\U0001d41a math bold",
    "x\ufffdy replacement char",
    "﷽",
    # Prompts that need ftfy's cleanup (version 2).
    "a \u201cportrait\u201d of a woman\u2019s face",
    "\uff2d\uff41\uff53\uff54\uff45\uff52\uff50\uff49\uff45\uff43\uff45\uff0c\u3000best quality",
    "\ufb01ne art \ufb02oral \ufb03ce",
    "cafe\u0301 and ne\u0301on lights",
    "caf\u00c3\u00a9 in Paris, \u00e2\u20ac\u0153golden hour\u00e2\u20ac\u009d",
    "The cat doesn\u00e2\u20ac\u2122t sleep",
    "first line\r\nsecond line\u2028third",
    "\x1b[31mred\x1b[0m dragon",
    "bom\ufeff and \x85 nel",
    "P&EACUTE;REZ &amp;amp; co &#x2019;s",
    "<b>bold</b> &amp; keeps entity handling to html.unescape",
    "\u00d0\u00bf\u00d1\u20ac\u00d0\u00b8\u00d0\u00b2\u00d0\u00b5\u00d1\u201a mir",
    "\u00f0\u0178\u02dc\u20ac smiling",
    "\uff76\uff9e\uff9d\uff80\uff9e\uff91 robot",
    "c1 \x93quoted\x94 text",
]


def main():
    tok = Tokenizer(VOCAB)
    ids, offsets = [], [0]
    for text in CORPUS:
        enc = tok.encode(text)
        ids.extend(enc)
        offsets.append(len(ids))
    tensors = {"ids": torch.tensor(ids, dtype=torch.int32),
               "offsets": torch.tensor(offsets, dtype=torch.int32)}
    write_golden(OUT, tensors, VERSION, "tools/reference/text_tokenizer.py",
                 corpus=json.dumps(CORPUS, ensure_ascii=True))
    print(f"wrote {OUT}: {len(CORPUS)} strings, {len(ids)} ids")


if __name__ == "__main__":
    main()
