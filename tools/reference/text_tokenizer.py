"""Reference CLIP BPE tokenizer and its golden (tests/golden/text/tokenizer_ids.safetensors), with
the three text cleanups of engine/include/pixforge/text/text_cleanup.h, each restated from its
upstream definition:

- "openai": OpenAI CLIP's simple_tokenizer.py (and open_clip's): ftfy.fix_text (restated in
  text_ftfy.py), html.unescape twice, strip, python-regex \\s+ -> " ", strip, lower, on the
  whole text.
- "hf-ftfy": transformers' slow CLIPTokenizer (models/clip/tokenization_clip.py) with ftfy
  importable: the base class first splits the text at the exact special tokens (its added-tokens
  trie; case-sensitive), then _tokenize runs whitespace_clean(ftfy.fix_text(part)).lower() on
  each other part. No html.unescape.
- "comfyui": the same CLIPTokenizer without ftfy (a bare ComfyUI install): the special-token
  split, then " ".join(BasicTokenizer(strip_accents=False, do_split_on_punc=False)
  .tokenize(part)): _clean_text, _tokenize_chinese_chars, NFC, whitespace split, lower per word.
  _is_control / _is_whitespace / _is_chinese_char as transformers defines them, with Python's
  unicodedata (Unicode 14.0 here).

Then every mode splits with the CLIP pattern (\\p{L} letters, \\p{N} numbers, contractions,
special tokens; python-regex, IGNORECASE), maps each piece's UTF-8 bytes to the printable byte
alphabet and applies byte-level BPE with "</w>" marking a word end.

ftfy is not packaged in Debian: text_ftfy.py restates ftfy 6.3.1's fix_text with its default
configuration. Version 2 applied fix_text (version 1 did not) and added prompts that need it
after the first 61; version 3 holds ids for all three cleanups (ids_<mode>, offsets_<mode>) and
adds prompts where they differ (CJK, entities, controls, special tokens, final sigma) after the
first 76.

Run: /usr/bin/python3 tools/reference/text_tokenizer.py
"""
import gzip
import html
import json
import os
import random
import sys
import unicodedata

import regex
import torch

sys.path.insert(0, os.path.dirname(__file__))
from golden import write_golden  # noqa: E402
from text_ftfy import fix_text  # noqa: E402

VERSION = 3
CLEANUPS = ("comfyui", "hf-ftfy", "openai")
SPECIAL = ("<|startoftext|>", "<|endoftext|>")
HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = os.path.join(HERE, "../../../shared/data/clip/bpe_simple_vocab_16e6.txt.gz")
OUT = os.path.join(HERE, "../../tests/golden/text/tokenizer_ids.safetensors")
RANDOM_OUT = os.path.join(HERE, "../../tests/golden/text/tokenizer_random_ids.safetensors")
RANDOM_VERSION = 1

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

    def encode(self, text, cleanup="comfyui"):
        if cleanup == "openai":
            return self.encode_clean(openai_clean(text))
        clean = basic_clean if cleanup == "comfyui" else hf_ftfy_clean
        out = []
        for part in split_special_tokens(text):
            if part in SPECIAL:
                out.append(self.ids[part])
            else:
                out.extend(self.encode_clean(clean(part)))
        return out

    def encode_clean(self, text):
        out = []
        for piece in PATTERN.findall(text):
            if piece in SPECIAL:
                out.append(self.ids[piece])
            else:
                out.extend(self.bpe(piece))
        return out


def whitespace_clean(text):
    # simple_tokenizer and tokenization_clip both import python-regex as `re`: its \s is Unicode
    # White_Space (not str.isspace, which adds U+001C..U+001F); strip() is str.strip().
    return regex.sub(r"\s+", " ", text).strip()


def openai_clean(text):
    return whitespace_clean(html.unescape(html.unescape(fix_text(text))).strip()).lower()


def hf_ftfy_clean(text):
    return whitespace_clean(fix_text(text)).lower()


def split_special_tokens(text):
    """The added-tokens trie split of transformers' slow tokenizers, for CLIP's two special
    tokens (neither is a prefix of the other, so leftmost matching is the trie's longest match);
    lstrip/rstrip are False for CLIP's AddedTokens, so neighbours keep their spaces."""
    parts = regex.split("(" + "|".join(regex.escape(t) for t in SPECIAL) + ")", text)
    return [p for p in parts if p]


def is_whitespace(ch):  # transformers' _is_whitespace
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_control(ch):  # transformers' _is_control
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def is_chinese_char(cp):  # transformers' _is_chinese_char
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_clean(text):
    """" ".join(BasicTokenizer(strip_accents=False, do_split_on_punc=False).tokenize(text))."""
    cleaned = []
    for ch in text:
        if ord(ch) == 0 or ord(ch) == 0xFFFD or is_control(ch):
            continue
        cleaned.append(" " if is_whitespace(ch) else ch)
    spaced = "".join(f" {ch} " if is_chinese_char(ord(ch)) else ch for ch in cleaned)
    words = unicodedata.normalize("NFC", spaced).strip().split()
    # lower() per word; strip_accents=False skips accent stripping, do_split_on_punc=False
    # keeps each word whole; the final whitespace_tokenize of the joined words changes nothing.
    return " ".join(" ".join(w.lower() for w in words).split())


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
    # Prompts where the three cleanups differ (version 3).
    "\u6771\u4eac\u30bf\u30ef\u30fc \u5bcc\u58eb\u5c71\u306e\u98a8\u666f, \u4e00\u5339\u306e\u732b",
    "\u4e2d\u6587\u63d0\u793a\u8bcd\uff1a\u5c71\u6c34\u753b (ink wash)",
    "\U00020000\U0002a700 ext-b \uf900\uf901 compatibility \u3400 ext-a",
    "Tom &amp; Jerry &lt;3 &quot;cartoon&quot; &eacute;t&eacute;",
    "&amp;amp; and &#x41;&#66; refs",
    "<|endoftext|> &amp; after a special token",
    "!!<|endoftext|>?? and x<|startoftext|>y and <|ENDOFTEXT|>!",
    "zero\u200bwidth joiner \U0001f469\u200d\U0001f52c and bom\ufeff soft\u00adhyphen",
    "nul\x00 and \ufffd and del\x7f and \x0b vt \x0c ff \x1c fs \x85 nel",
    "private \ue000 use and unassigned \U000e0001 tag \u0378 end",
    "\u201ccurly\u201d \u2018single\u2019 quotes \u2014 dashes \u2026",
    "\u039f\u0394\u039f\u03a3 \u039a\u0391\u0399 \u03a3\u039f\u03a6\u0399\u0391\u03a3. \u03a3 A\u03a3\u0301 \u03a3A",
    "NFD e\u0301 \u212b angstrom \u2126 ohm \uff21\uff22 full width",
    "tab\there\u3000ideographic space\u2028line sep\u2029para",
    "(masterpiece:1.2) \u6771\u4eac \\(escaped\\) &amp;",
]


# Random prompts for a broader differential check of the three cleanups: short mixes drawn from
# pools of the characters where they differ (Greek capitals for the final sigma, combining and
# format characters, CJK, controls, spaces, unassigned and private-use code points, full width,
# ligatures), special tokens, entities, mojibake, and random code points of planes 0-2.
RANDOM_POOLS = [
    "abcXYZ   ,.!?'()&;<>|:", "\u03a3\u0391\u039f\u0394\u03c3\u03c2\u039a\u0399",
    "\u0301\u0345\u0300\u200d\u00ad\u2019'", "\u6771\u4eac\u591c\u666f\u5c71\u6c34\u4e00",
    "\t\n\r\x0b\x0c\x1c\x85\u00a0\u2028\u3000\u2003", "\x00\x01\x7f\ufffd\ufeff\u200b",
    "\ue000\u0378\U000e0001\U0001f469\U0001f52c", "\uff21\uff22\uff11\ufb01\u00e9",
    "\u0130\u00df\u01c5"]
RANDOM_SPECIALS = ["<|endoftext|>", "<|startoftext|>", "<|ENDOFTEXT|>", "&amp;", "&lt;", "&#x41;",
                   "\u00c3\u00a9", "\u00e2\u20ac\u2122"]


def random_corpus(count, seed=7):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        s = ""
        for _ in range(rng.randint(0, 14)):
            if rng.random() < 0.1:
                s += rng.choice(RANDOM_SPECIALS)
            elif rng.random() < 0.05:
                cp = rng.randint(0x20, 0x2FFFF)
                if not 0xD800 <= cp < 0xE000:
                    s += chr(cp)
            else:
                s += rng.choice(rng.choice(RANDOM_POOLS))
        out.append(s)
    return out


def write_ids(tok, corpus, path, version):
    tensors = {}
    for cleanup in CLEANUPS:
        ids, offsets = [], [0]
        for text in corpus:
            ids.extend(tok.encode(text, cleanup))
            offsets.append(len(ids))
        key = cleanup.replace("-", "_")
        tensors[f"ids_{key}"] = torch.tensor(ids, dtype=torch.int32)
        tensors[f"offsets_{key}"] = torch.tensor(offsets, dtype=torch.int32)
    differ = sum(len({tuple(tok.encode(t, c)) for c in CLEANUPS}) > 1 for t in corpus)
    write_golden(path, tensors, version, "tools/reference/text_tokenizer.py",
                 corpus=json.dumps(corpus, ensure_ascii=True))
    print(f"wrote {path}: {len(corpus)} strings x {len(CLEANUPS)} cleanups; "
          f"{differ} strings differ between cleanups")


def main():
    tok = Tokenizer(VOCAB)
    write_ids(tok, CORPUS, OUT, VERSION)
    write_ids(tok, random_corpus(1500), RANDOM_OUT, RANDOM_VERSION)


if __name__ == "__main__":
    main()
