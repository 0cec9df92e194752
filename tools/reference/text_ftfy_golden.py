"""Golden for the C++ ftfy.fix_text (tests/golden/text/ftfy_fix_text.safetensors): fix_text of the
Python restatement (text_ftfy.py) on a corpus covering every fixer, plus NFC of strings that
exercise decomposition, canonical reordering, composition exclusions and Hangul.

Tensors (int32 code points): "input"/"output" with "offsets" (corpus string i is
input[offsets[i]:offsets[i+1]], likewise output with "output_offsets"), the same for 400 random
strings over a mojibake alphabet ("random_*"), and "nfc_input",
"nfc_output", "nfc_offsets", "nfc_output_offsets" for unicodedata.normalize("NFC").

Run: /usr/bin/python3 tools/reference/text_ftfy_golden.py
"""
import os
import random
import sys
import unicodedata

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden import write_golden  # noqa: E402
from text_ftfy import fix_text  # noqa: E402

VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "../../tests/golden/text/ftfy_fix_text.safetensors")

CORPUS = [
    "",
    "plain ascii prompt, nothing to fix",
    "\u201ccurly double\u201d and \u2018curly single\u2019 quotes, \u201flow\u201e \u02bcmodifier",
    "\u201bhigh reversed\u201a and \u201c\u201d",
    "\uff21\uff22\uff23 \uff41\uff42\uff43 \uff11\uff12\uff13\uff01\u3000full\u3000width",
    "\uff76\uff80\uff76\uff85 half-width katakana \uff9e\uff9f \uffe0\uffe1\uffe3\uffe5\uffe8",
    "\ufb01sh \ufb02ower \ufb00 \ufb03 \ufb04 \ufb05 \ufb06 ligatures",
    "\u0132\u0133 \u0149 \u01c4\u01c5\u01c6 \u01c7\u01c8\u01c9 \u01ca\u01cb\u01cc \u01f1\u01f2\u01f3 digraphs",
    "cafe\u0301 nai\u0308ve re\u0301sume\u0301 (NFD accents)",
    "a\u0323\u0302 vs a\u0302\u0323, q\u0307\u0323, \u1100\u1161\u11a8 hangul jamo",
    "\u212b angstrom \u2126 ohm \u0344 \u0958 exclusions",
    "line one\r\nline two\rline three\u2028four\u2029five\u0085six",
    "\r\n\r\n",
    "tabs\tand\x0bvertical\x0cform feed",
    "control\x01\x02\x03\x7f chars \x1b and \x1f unit",
    "bom\ufeff inside and \u206a\u206f arabic controls \ufff9\ufffa\ufffb\ufffc",
    "\x1b[36;44mcolored\x1b[0m text \x1b[1m bold \x1b[K",
    "\x1b[\u0663\u0664m arabic-digit escape, \x1b[ not one, \x1b]0;title\x07",
    "&lt;3 &amp; &quot;entities&quot; &hellip; &eacute;&Eacute;&EACUTE;",
    "&amp;amp; twice &copy; &copy &notin; &not; &NotANamedEntity;",
    "&#x2019; &#8217; &#X41; &#0; &#x80; &#x9F; &#xD800; &#1114112;",
    "&#12ab; &#x; &#; &#65 &abcdefghijklmnopqrstuvwxyz1234; &SZLIG; &ntilde; &nTILDE;",
    "<b>bold &amp; tagged</b> keeps &lt;entities&gt;",
    "first line &amp; ok\nsecond <line> &amp;\nthird &amp; stays escaped",
    "caf\u00c3\u00a9",
    "\u00e2\u20ac\u0153quoted\u00e2\u20ac\x9d",
    "\u00e2\u20ac\u0153quoted\u00e2\u20ac\ufffd lossy",
    "The Mona Lisa doesn\u00e2\u20ac\u2122t have eyebrows.",
    "sch\u00c3\u00b6n and gr\u00c3\u00bcn \u00c3\u0178",
    "voil\u00c3 le travail",
    "\u00c3 la mode and \u00c3 s vezes",
    "\u00c3\u00a0\u00c2\u00b2\u00c2\u00a0_\u00c3\u00a0\u00c2\u00b2\u00c2\u00a0",
    "\u00e2\u0153\u201d No problems",
    "(\u00e0\u00b8\u2021'\u00e2\u0152\u00a3')\u00e0\u00b8\u2021",
    "\u00c3\u00ba nico \u00c3\u00banico",
    "This text was never UTF-8 at all\x85",
    "This text is sad .\u00e2\x81\u201d.",
    "not such a fan of Charlotte Bront\u00eb\u2026\u201d",
    "AH\u00c5\u2122, the new sofa from IKEA\u00ae",
    "\u00d0\u00bf\u00d1\u20ac\u00d0\u00b8\u00d0\u00b2\u00d0\u00b5\u00d1\u201a",
    "\u0440\u045f\u2018\u040e cyrillic mojibake of emoji",
    "\u00e6\u009d\u00b1\u00e4\u00ba\u00ac \u00e3\u0192\u00bb",
    "\u00f0\u0178\u02dc\u20ac emoji mojibake",
    "mixed caf\u00c3\u00a9 and real caf\u00e9",
    "\u00c3\u00a9t\u00c3\u00a9 \u00e2\u20ac\u201c summer",
    "\u00c2\u00a1Hola! \u00c2\u00bfQu\u00c3\u00a9 tal?",
    "sloppy \u00e2\u20ac\u00a6 ellipsis and \u00e2\u201e\u00a2",
    "c1 controls \x80 \x91\x92 \x93\x94 \x9f alone",
    "r\u00e9sum\u00e9 \u00a9 2024 \u00b0C legit latin-1",
    "\u00bf\u00e9? \u00d7\u00b2 math",
    "\u00d8\u00b3\u00d9\u201e\u00d8\u00a7\u00d9\u2026 arabic mojibake",
    "\u6771\u4eac\u30bf\u30ef\u30fc\u306e\u591c\u666f",
    "\ud55c\uad6d\uc5b4 \u1112\u1161\u11ab hangul",
    "emoji \U0001f431\U0001f680\u2728 and \U0001f469\u200d\U0001f469\u200d\U0001f467 family",
    "flags \U0001f1ef\U0001f1f5 and keycap 1\ufe0f\u20e3",
    "\U0001d400\U0001d41a math bold and \u00b5 micro \u00bd half",
    "zero\u200bwidth\u200dspace nbsp\u00a0here",
    "\u00a0\u00a0leading nbsp",
    "x\ufffdy replacement char",
    "\u0130stanbul \u00df stra\u00dfe",
    "multi\nline\nprompt &amp; <tag>\nafter",
    "\n\n\n",
    "   ",
    "a" * 30 + "\u00c3\u00a9",
    "'s 't \u2019s contractions",
    "&ATILDE;&SUP3;",
    "P&EACUTE;REZ and BUNDESSTRA&SZLIG;E",
    "\u00ef\u00bb\u00bfBOM mojibake at start",
    "\u00c3\u0192\u00c2\u00a9 double mojibake",
]


def code_points(strings):
    flat, offsets = [], [0]
    for s in strings:
        flat.extend(ord(c) for c in s)
        offsets.append(len(flat))
    return torch.tensor(flat, dtype=torch.int32), torch.tensor(offsets, dtype=torch.int32)


def nfc_corpus():
    """NFD of every decomposable code point (in chunks), plus random combining sequences in
    non-canonical order and Hangul jamo runs."""
    decomposable = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000
                    and unicodedata.normalize("NFD", chr(cp)) != chr(cp)
                    and not 0xAC00 <= cp <= 0xD7A3]
    strings = []
    for i in range(0, len(decomposable), 64):
        strings.append("".join(unicodedata.normalize("NFD", c) for c in decomposable[i:i + 64]))
        strings.append("".join(decomposable[i:i + 64]))  # composed already, or singletons
    rng = random.Random(1234)
    marks = [chr(cp) for cp in range(0x300, 0x370)] + ["\u0323", "\u0345", "\u05b0", "\u0e38",
                                                        "\u302a", "\U0001d165", "\u093c"]
    bases = list("aeiouAEIOUnNcCsSzZ") + ["\u03b1", "\u0435", "\u1100", "\uac00", "\u0915"]
    for _ in range(300):
        s = "".join(rng.choice(bases) + "".join(rng.choice(marks) for _ in range(rng.randint(0, 4)))
                    for _ in range(rng.randint(1, 6)))
        strings.append(s)
    jamo = [chr(cp) for cp in list(range(0x1100, 0x1113)) + list(range(0x1161, 0x1176))
            + list(range(0x11A7, 0x11C3))] + ["\uac00", "\uac01", "\ud7a3"]
    for _ in range(100):
        strings.append("".join(rng.choice(jamo) for _ in range(rng.randint(1, 8))))
    return strings


# Random strings over the characters mojibake, entities, escapes and line breaks are made of:
# they reach the heuristic's corners (fix_text is not idempotent on all of them: a CR that
# becomes LF splits a segment differently on a second pass).
RANDOM_ALPHABET = ("aZ &;#<\n\r\x1b[0m\u00c3\u00c2\u00e2\u20ac\u0153\u009d\u00a0\u00a9\u00ae"
                   "\u00b0\u00e9\u00f0\u0178\u0161\u2122\u201c\u201d\u2018\u2019\ufb01\uff21"
                   "\u3000\u0301\u00ad\u00ef\u00bb\u00bf\u0432\u0402\u00d8\u00d9\u00e0\u00b8"
                   "\u2021\ufffd\u1100\u1161\uac00\x01\x85\u0080\u0081\u00a2\u00c5\u00ce")


def random_corpus(count=400):
    rng = random.Random(99)
    return ["".join(rng.choice(RANDOM_ALPHABET) for _ in range(rng.randint(0, 16)))
            for _ in range(count)]


def main():
    assert len(CORPUS) >= 60
    outputs = [fix_text(s) for s in CORPUS]
    rand_in = random_corpus()
    rand_out = [fix_text(s) for s in rand_in]
    nfc_in = nfc_corpus()
    nfc_out = [unicodedata.normalize("NFC", s) for s in nfc_in]
    tensors = {}
    tensors["input"], tensors["offsets"] = code_points(CORPUS)
    tensors["output"], tensors["output_offsets"] = code_points(outputs)
    tensors["random_input"], tensors["random_offsets"] = code_points(rand_in)
    tensors["random_output"], tensors["random_output_offsets"] = code_points(rand_out)
    tensors["nfc_input"], tensors["nfc_offsets"] = code_points(nfc_in)
    tensors["nfc_output"], tensors["nfc_output_offsets"] = code_points(nfc_out)
    write_golden(OUT, tensors, VERSION, "tools/reference/text_ftfy_golden.py",
                 unicode=unicodedata.unidata_version)
    changed = sum(a != b for a, b in zip(CORPUS, outputs))
    print(f"wrote {OUT}: {len(CORPUS)} strings ({changed} changed), {len(rand_in)} random "
          f"({sum(a != b for a, b in zip(rand_in, rand_out))} changed), {len(nfc_in)} NFC strings")
    if "-v" in sys.argv:
        for a, b in zip(CORPUS, outputs):
            print(repr(a), "->", repr(b))


if __name__ == "__main__":
    main()
