"""A restatement of ftfy 6.3.1's fix_text with its default TextFixerConfig, written from the facts
of the upstream definitions (python-ftfy: __init__.py, fixes.py, chardata.py, badness.py,
bad_codecs/) because ftfy is not packaged in Debian. It is the reference for the C++ cleanup in
engine/src/text/ftfy_*.cpp (via text_ftfy_golden.py) and the source of the generated tables
(text_ftfy_tables.py), so both sides share one definition of every character set.

fix_text(text):
  1. split into segments ending after each "\\n" (and at most 1,000,000 code points);
     once a segment contains "<", HTML unescaping stays off for that and every later segment;
  2. each segment is fixed to a fixed point: repeat [unescape_html (unless off),
     fix_encoding, fix_c1_controls, fix_latin_ligatures, fix_character_width, uncurl_quotes,
     fix_line_breaks, fix_surrogates, remove_terminal_escapes, remove_control_chars, NFC]
     until one round changes nothing.
fix_encoding repeats one step until nothing changes; one step:
  - ASCII, or text without "badness" (BADNESS_RE), is left alone;
  - for each single-byte encoding in CHARMAP_ENCODINGS that can encode the text: encode it,
    (restore_byte_a0 unless macroman; replace_lossy_sequences for the sloppy codecs), decode as
    UTF-8 (utf-8-variants when bytes 0xED or 0xC0 occur); the first that decodes wins;
  - else decode_inconsistent_utf8 (fix UTF8_DETECTOR_RE runs that are themselves bad);
  - else latin-1 text with C1 controls is re-read as windows-1252 (strict);
  - else fix_c1_controls when C1 controls remain; else unchanged.

Run: /usr/bin/python3 tools/reference/text_ftfy.py "some text"   (prints repr of fix_text)
"""
import codecs
import html
import html.entities
import re
import sys
import unicodedata

MAX_DECODE_LENGTH = 1_000_000

# ---------------------------------------------------------------- character categories (badness)
CATEGORIES = {
    "common": "\u00a0\u00ad\u00b7\u00b4\u2013\u2014\u2015\u2026\u2019",
    "c1": "\x80-\x9f",
    "bad": ("\u00a6\u00a4\u00a8\u00ac\u00af\u00b8\u0192\u02c6\u02c7\u02d8\u02db\u02dc\u2020"
            "\u2021\u2030\u2310\u25ca\ufffd\u00aa\u00ba"),
    "law": "\u00b6\u00a7",
    "currency": "\u00a2\u00a3\u00a5\u20a7\u20ac",
    "start_punctuation": ("\u00a1\u00ab\u00bf\u00a9\u0384\u0385\u2018\u201a\u201c\u201e\u2022"
                          "\u2039\uf8ff"),
    "end_punctuation": "\u00ae\u00bb\u02dd\u201d\u203a\u2122",
    "numeric": ("\u00b2\u00b3\u00b9\u00b1\u00bc\u00bd\u00be\u00d7\u00b5\u00f7\u2044\u2202"
                "\u2206\u220f\u2211\u221a\u221e\u2229\u222b\u2248\u2260\u2261\u2264\u2265"
                "\u2116"),
    "kaomoji": "\u00d2-\u00d6\u00d9-\u00dc\u00f2-\u00f6\u00f8-\u00fc\u0150\u014c\u016a\u0172\u00b0",
    "upper_accented": (
        "\u00c0-\u00d1\u00d8\u00dc\u00dd\u0102\u0100\u0104\u0106\u010c\u010e\u0110\u0118\u011a"
        "\u0112\u0116\u011e\u0122\u0130\u012a\u0136\u0139\u013d\u0141\u013b\u0143\u0147\u0145"
        "\u0152\u0158\u015a\u015e\u0160\u0162\u0164\u016e\u0170\u0178\u0179\u017b\u017d\u0490"),
    "lower_accented": (
        "\u00df\u00e0-\u00f1\u0103\u0105\u0101\u0107\u010d\u010f\u0111\u0119\u011b\u0113\u0117"
        "\u011f\u0123\u012f\u012b\u0137\u013a\u013e\u0142\u013c\u0153\u0155\u015b\u015f\u0161"
        "\u0165\u00fc\u017a\u017c\u017e\u0491\ufb01\ufb02"),
    "upper_common": ("\u00de\u0391-\u03a9\u0386\u0388\u0389\u038a\u038c\u038e\u038f\u03aa"
                     "\u03ab\u0401-\u042f"),
    "lower_common": "\u03b1-\u03c9\u03ac\u03ad\u03ae\u03af\u03b0\u0430-\u045f",
    "box": ("\u2502\u250c\u2510\u2518\u251c\u2524\u252c\u253c\u2550-\u256c"
            "\u2580\u2584\u2588\u258c\u2590\u2591\u2592\u2593"),
}


def _cls(*names, extra=""):
    return "[" + "".join(CATEGORIES[n] for n in names) + extra + "]"


# BADNESS_RE as a list of alternatives, each a list of atoms (one regex atom matching one code
# point; "\\s?" is the only optional atom, "^" the only anchor). The C++ side gets each atom's
# code point set from text_ftfy_tables.py.
_ACC = ("lower_accented", "upper_accented")
_ARABIC = _cls("common", "currency", "bad", "numeric", "start_punctuation",
               extra="\u0178\u0160\u00ae\u00b0\u00b5\u00bb")
BADNESS_ALTERNATIVES = [
    [_cls("c1")],
    [_cls("bad", *_ACC, "box", "start_punctuation", "end_punctuation", "currency", "numeric",
          "law"), _cls("bad")],
    ["[a-zA-Z]", _cls("lower_common", "upper_common"), _cls("bad")],
    [_cls("bad"), _cls(*_ACC, "box", "start_punctuation", "end_punctuation", "currency",
                       "numeric", "law")],
    [_cls("lower_accented", "lower_common", "box", "end_punctuation", "currency", "numeric"),
     _cls("upper_accented")],
    [_cls("box", "end_punctuation", "currency", "numeric"), _cls("lower_accented")],
    [_cls("lower_accented", "box", "end_punctuation"), _cls("currency")],
    ["\\s", _cls("upper_accented"), _cls("currency")],
    [_cls("upper_accented", "box"), _cls("numeric", "law")],
    [_cls(*_ACC, "box", "currency", "end_punctuation"), _cls("start_punctuation"),
     _cls("numeric")],
    [_cls(*_ACC, "currency", "numeric", "box", "law"), _cls("end_punctuation"),
     _cls("start_punctuation")],
    [_cls("currency", "numeric", "box"), _cls("start_punctuation")],
    ["[a-z]", _cls("upper_accented"), _cls("start_punctuation", "currency")],
    [_cls("box"), _cls("kaomoji")],
    [_cls(*_ACC, "currency", "numeric", "start_punctuation", "end_punctuation", "law"),
     _cls("box")],
    [_cls("box"), _cls("end_punctuation")],
    [_cls(*_ACC), _cls("start_punctuation", "end_punctuation"), "\\w"],
    ["[\u0152\u0153]", "[^A-Za-z]"],
    [_cls("upper_accented"), "[\u00b0]"],
    ["[\u00c2\u00c3\u00ce\u00d0]",
     _cls("start_punctuation", "end_punctuation",
          extra="\u20ac\u0153\u0160\u0161\u00a2\u00a3\u0178\u017e\u00a0\u00ad\u00ae\u00a9\u00b0"
                "\u00b7\u00bb\u2013\u2014\u00b4")],
    ["[\u00d7]", "[\u00b2\u00b3]"],
    ["[\u00d8\u00d9]", _ARABIC, "[\u00d8\u00d9]", _ARABIC],
    ["[\u00e0]", "[\u00b2\u00b5\u00b9\u00bc\u00bd\u00be]"],
    ["[\u221a]", "[\u00b1\u2202\u2020\u2260\u00ae\u2122\u00b4\u2264\u2265\u00a5\u00b5\u00f8]"],
    ["[\u2248]", "[\u00b0\u00a2]"],
    ["[\u201a]", "[\u00c4]", "[\u00ec\u00ee\u00ef\u00f2\u00f4\u00fa\u00f9\u00fb\u2020\u00b0\u00a2\u03c0]"],
    ["[\u201a]", "[\u00e2\u00f3]", "[\u00e0\u00e4\u00b0\u00ea]"],
    ["[\u0432]", "[\u0402]"],
    ["[\u0412\u0413\u0420\u0421]",
     _cls("c1", "bad", "start_punctuation", "end_punctuation", "currency", extra="\u00b0\u00b5"),
     "[\u0412\u0413\u0420\u0421]"],
    ["[\u0413]", "[\u045e]", "[\u0412]", "[\u0402]", "[\u0412]", ".", "[A-Za-z ]"],
    ["[\u00c3]", "[\u00a0\u00a1]"],
    ["[a-z]", "\\s?", "[\u00c3\u00c2]", "[ ]"],
    ["^", "[\u00c3\u00c2]", "[ ]"],
    [_cls("end_punctuation", extra="a-z.,?!"), "[\u00c2]",
     _cls("start_punctuation", "end_punctuation", extra=" ")],
    ["[\u03b2]", "[\u20ac]", "[\u2122\u00a0\u0386\u00ad\u00ae\u00b0]"],
    ["[\u0392\u0393\u039e\u039f]",
     _cls("c1", "bad", "start_punctuation", "end_punctuation", "currency", extra="\u00b0"),
     "[\u0392\u0393\u039e\u039f]"],
    ["[\u0101]", "[\u20ac]"],
]
BADNESS_RE = re.compile("|".join("".join(alt) for alt in BADNESS_ALTERNATIVES))


def is_bad(text):
    return bool(BADNESS_RE.search(text))


# ---------------------------------------------------------------- single-byte codecs
CHARMAP_ENCODINGS = ["latin-1", "sloppy-windows-1252", "sloppy-windows-1251",
                     "sloppy-windows-1250", "sloppy-windows-1253", "sloppy-windows-1254",
                     "sloppy-windows-1257", "iso-8859-2", "macroman", "cp437"]


def decoding_table(encoding):
    """256 characters: byte -> character. A sloppy codec takes the base codec's character for
    every assigned byte, Latin-1's for unassigned ones, and U+FFFD for byte 0x1A."""
    if encoding.startswith("sloppy-"):
        base = bytes(range(256)).decode(encoding[len("sloppy-"):], errors="replace")
        chars = [b if b != "\ufffd" else chr(i) for i, b in enumerate(base)]
        chars[0x1A] = "\ufffd"
        return "".join(chars)
    return bytes(range(256)).decode(encoding)


TABLES = {enc: decoding_table(enc) for enc in CHARMAP_ENCODINGS}
ENCODE_MAPS = {enc: {c: i for i, c in reversed(list(enumerate(t)))} for enc, t in TABLES.items()}


def possible_encoding(text, encoding):
    """ftfy's ENCODING_REGEXES: every character is ASCII other than U+001A, or what one of bytes
    0x80..0xFF or 0x1A decodes to."""
    table = TABLES[encoding]
    allowed = set(table[0x80:]) | {table[0x1A]}
    return all((ord(c) < 0x80 and c != "\x1a") or c in allowed for c in text)


def encode_single_byte(text, encoding):
    m = ENCODE_MAPS[encoding]
    return bytes(m[c] for c in text)


def decode_utf8_variants(data):
    """UTF-8 that also accepts CESU-8 surrogate pairs and Java's C0 80 for U+0000; any other
    invalid sequence (lone surrogates included) raises UnicodeDecodeError."""
    out, pos = [], 0
    special = re.compile(b"\xc0\x80|\xed[\xa0-\xaf][\x80-\xbf]\xed[\xb0-\xbf][\x80-\xbf]")
    for m in special.finditer(data):
        out.append(data[pos:m.start()].decode("utf-8"))
        s = m.group(0)
        if s == b"\xc0\x80":
            out.append("\x00")
        else:
            hi = 0xD800 + (((s[1] & 0x0F) << 6) | (s[2] & 0x3F))
            lo = 0xDC00 + (((s[4] & 0x0F) << 6) | (s[5] & 0x3F))
            out.append(chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)))
        pos = m.end()
    out.append(data[pos:].decode("utf-8"))
    return "".join(out)


# ---------------------------------------------------------------- byte-level transcoders
ALTERED_UTF8_RE = re.compile(
    b"[\xc2\xc3\xc5\xce\xd0\xd9][ ]"
    b"|[\xe2\xe3][ ][\x80-\x84\x86-\x9f\xa1-\xbf]"
    b"|[\xe0-\xe3][\x80-\x84\x86-\x9f\xa1-\xbf][ ]"
    b"|[\xf0][ ][\x80-\xbf][\x80-\xbf]"
    b"|[\xf0][\x80-\xbf][ ][\x80-\xbf]"
    b"|[\xf0][\x80-\xbf][\x80-\xbf][ ]")
A_GRAVE_WORD_RE = re.compile(b"\xc3 (?! |quele|quela|quilo|s )")
LOSSY_UTF8_RE = re.compile(
    b"[\xc2-\xdf][\x1a]"
    b"|[\xc2-\xc3][?]"
    b"|\xed[\xa0-\xaf][\x1a?]\xed[\xb0-\xbf][\x1a?\x80-\xbf]"
    b"|\xed[\xa0-\xaf][\x1a?\x80-\xbf]\xed[\xb0-\xbf][\x1a?]"
    b"|[\xe0-\xef][\x1a?][\x1a\x80-\xbf]"
    b"|[\xe0-\xef][\x1a\x80-\xbf][\x1a?]"
    b"|[\xf0-\xf4][\x1a?][\x1a\x80-\xbf][\x1a\x80-\xbf]"
    b"|[\xf0-\xf4][\x1a\x80-\xbf][\x1a?][\x1a\x80-\xbf]"
    b"|[\xf0-\xf4][\x1a\x80-\xbf][\x1a\x80-\xbf][\x1a?]"
    b"|\x1a")


def restore_byte_a0(data):
    data = A_GRAVE_WORD_RE.sub(b"\xc3\xa0 ", data)
    return ALTERED_UTF8_RE.sub(lambda m: m.group(0).replace(b" ", b"\xa0"), data)


def replace_lossy_sequences(data):
    return LOSSY_UTF8_RE.sub("\ufffd".encode(), data)


# ---------------------------------------------------------------- UTF8_DETECTOR_RE
SAFE_ENCODINGS = ["latin-1", "windows-1252", "windows-1251", "windows-1250", "windows-1253",
                  "windows-1254", "windows-1257"]


def _decoded(lo, hi):
    """Every character the SAFE_ENCODINGS decode one of bytes lo..hi to (strictly)."""
    out = set()
    for enc in SAFE_ENCODINGS:
        for b in range(lo, hi + 1):
            try:
                out.add(bytes([b]).decode(enc))
            except UnicodeDecodeError:
                pass
    return out


def _class_of(chars):
    return "[" + "".join(sorted(re.escape(c) for c in chars)) + "]"


_CONT = _decoded(0x80, 0xBF) | {chr(c) for c in range(0x80, 0xC0)} | {" "}
_NOT_STRICT = set(" \u2013\u2014\u2015\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026")
UTF8_CLUES = {
    "first_of_2": _decoded(0xC2, 0xDF),
    "first_of_3": _decoded(0xE0, 0xEF),
    "first_of_4": _decoded(0xF0, 0xF0) | _decoded(0xF3, 0xF3),
    "continuation": _CONT,
    "continuation_strict": _CONT - _NOT_STRICT,
}
UTF8_DETECTOR_RE = re.compile(
    "(?<!{s})(?:{f2}{c}|{f3}{c}{{2}}|{f4}{c}{{3}})+".format(
        s=_class_of(UTF8_CLUES["continuation_strict"]), f2=_class_of(UTF8_CLUES["first_of_2"]),
        f3=_class_of(UTF8_CLUES["first_of_3"]), f4=_class_of(UTF8_CLUES["first_of_4"]),
        c=_class_of(UTF8_CLUES["continuation"])))


def decode_inconsistent_utf8(text):
    def fix(m):
        s = m.group(0)
        return fix_encoding(s) if len(s) < len(text) and is_bad(s) else s
    return UTF8_DETECTOR_RE.sub(fix, text)


# ---------------------------------------------------------------- fix_encoding
def _windows_1252_sloppy_char(c):
    return TABLES["sloppy-windows-1252"][ord(c)]


def fix_c1_controls(text):
    return re.sub("[\x80-\x9f]", lambda m: _windows_1252_sloppy_char(m.group(0)), text)


def _fix_encoding_one_step(text):
    if not text or all(ord(c) < 0x80 for c in text) or not is_bad(text):
        return text
    possible = []
    for enc in CHARMAP_ENCODINGS:
        if not possible_encoding(text, enc):
            continue
        possible.append(enc)
        data = encode_single_byte(text, enc)
        if enc != "macroman" and ALTERED_UTF8_RE.search(data):
            data = restore_byte_a0(data)
        if enc.startswith("sloppy"):
            data = replace_lossy_sequences(data)
        try:
            if 0xED in data or 0xC0 in data:
                return decode_utf8_variants(data)
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if UTF8_DETECTOR_RE.search(text):
        fixed = decode_inconsistent_utf8(text)
        if fixed != text:
            return fixed
    # ftfy lists "sloppy-windows-1252", never "windows-1252", so the "both" branch is dead and
    # latin-1 text is always tried as strict windows-1252.
    if "latin-1" in possible:
        try:
            fixed = text.encode("latin-1").decode("windows-1252")
            if fixed != text:
                return fixed
        except UnicodeDecodeError:
            pass
    if re.search("[\x80-\x9f]", text):
        return fix_c1_controls(text)
    return text


def fix_encoding(text):
    while True:
        prev = text
        text = _fix_encoding_one_step(text)
        if text == prev:
            return text


# ---------------------------------------------------------------- the other fixers
def _build_html_entities():
    out = {}
    for name, char in html.entities.html5.items():
        if name.endswith(";"):
            out["&" + name] = char
            if name == name.lower():
                upper = "&" + name.upper()
                if html.unescape(upper) == upper:
                    out[upper] = char.upper()
    return out


HTML_ENTITIES = _build_html_entities()
HTML_ENTITY_RE = re.compile(r"&#?[0-9A-Za-z]{1,24};")


def unescape_html(text):
    def fix(m):
        s = m.group(0)
        if s in HTML_ENTITIES:
            return HTML_ENTITIES[s]
        if s.startswith("&#"):
            u = html.unescape(s)
            return s if ";" in u else u
        return s
    return HTML_ENTITY_RE.sub(fix, text)


ANSI_RE = re.compile("\x1b\\[((?:\\d|;)*)([a-zA-Z])")
LIGATURES = {0x132: "IJ", 0x133: "ij", 0x149: "\u02bcn", 0x1F1: "DZ", 0x1F2: "Dz", 0x1F3: "dz",
             0x1C4: "D\u017d", 0x1C5: "D\u017e", 0x1C6: "d\u017e", 0x1C7: "LJ", 0x1C8: "Lj",
             0x1C9: "lj", 0x1CA: "NJ", 0x1CB: "Nj", 0x1CC: "nj", 0xFB00: "ff", 0xFB01: "fi",
             0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "\u017ft", 0xFB06: "st"}


def _width_map():
    m = {0x3000: " "}
    for cp in range(0xFF01, 0xFFF0):
        alt = unicodedata.normalize("NFKC", chr(cp))
        if alt != chr(cp):
            m[cp] = alt
    return m


WIDTH_MAP = _width_map()
CONTROL_CHARS = {cp: None for cp in [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F,
                                     *range(0x206A, 0x2070), 0xFEFF, *range(0xFFF9, 0xFFFD)]}


def uncurl_quotes(text):
    return re.sub("[\u02bc\u2018-\u201b]", "'", re.sub("[\u201c-\u201f]", '"', text))


def fix_line_breaks(text):
    return (text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
            .replace("\u2029", "\n").replace("\u0085", "\n"))


def fix_surrogates(text):
    if re.search("[\ud800-\udfff]", text):
        text = re.sub("[\ud800-\udbff][\udc00-\udfff]",
                      lambda m: chr(0x10000 + (ord(m.group(0)[0]) - 0xD800) * 0x400
                                    + ord(m.group(0)[1]) - 0xDC00), text)
        text = re.sub("[\ud800-\udfff]", "\ufffd", text)
    return text


def fix_segment(text, unescape):
    while True:
        orig = text
        if unescape:
            text = unescape_html(text)
        text = fix_encoding(text)
        text = fix_c1_controls(text)
        text = text.translate(LIGATURES)
        text = text.translate(WIDTH_MAP)
        text = uncurl_quotes(text)
        text = fix_line_breaks(text)
        text = fix_surrogates(text)
        text = ANSI_RE.sub("", text)
        text = text.translate(CONTROL_CHARS)
        text = unicodedata.normalize("NFC", text)
        if text == orig:
            return text


def fix_text(text):
    out, pos, unescape = [], 0, True
    while pos < len(text):
        brk = text.find("\n", pos) + 1
        if brk == 0:
            brk = len(text)
        brk = min(brk, pos + MAX_DECODE_LENGTH)
        segment = text[pos:brk]
        if "<" in segment:
            unescape = False
        out.append(fix_segment(segment, unescape))
        pos = brk
    return "".join(out)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(repr(fix_text(arg)))
