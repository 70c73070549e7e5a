"""The body of an Outlook RTF: decompressed (MS-OXRTFCP) and turned into HTML or text.

Outlook keeps a mail's body as compressed RTF. When the mail was written in HTML, that RTF
encapsulates the HTML (``\\fromhtml1``, MS-OXRTFEX): the HTML is the text of the
``{\\*\\htmltag}`` groups plus the text outside ``\\htmlrtf`` … ``\\htmlrtf0``, which is
RTF-only rendering. Other RTF is reduced to its plain text. Only used for mails that brought
no other body (a TNEF-only Outlook mail), so this aims at readable, not at faithful.
"""

from __future__ import annotations

import codecs
import re
import struct
from dataclasses import dataclass, replace

LZFU = 0x75465A4C
MELA = 0x414C454D
# The dictionary both ends start with (MS-OXRTFCP 3.1.1.1.1).
INITIAL = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript "
    b"\\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
    b"\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
CODEPAGES = {
    65001: "utf-8", 1200: "utf-16-le", 20127: "ascii", 20866: "koi8-r", 21866: "koi8-u", 50220: "iso2022_jp",
    50221: "iso2022_jp", 50222: "iso2022_jp", 51932: "euc_jp", 51949: "euc_kr", 54936: "gb18030", 936: "gbk",
    **{28590 + n: f"iso8859-{n}" for n in range(1, 16)},
}  # fmt: skip
MAX_OUTPUT = 8 * 1024 * 1024
MAX_DEPTH = 200

_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+", re.DOTALL
)
# Groups that hold no text of the mail.
_SKIPPED = frozenset(
    b"fonttbl colortbl stylesheet info pict object header headerl headerr headerf footer footerl footerr "
    b"footerf listtable listoverridetable rsidtbl generator xmlnstbl themedata colorschememapping "
    b"latentstyles datastore mmathPr filetbl revtbl pgdptbl nonshppict fldinst footnote annotation "
    b"bkmkstart bkmkend mhtmltag".split()
)
_SYMBOLS = {
    b"par": "\n", b"line": "\n", b"sect": "\n", b"page": "\n", b"row": "\n", b"cell": "\t", b"tab": "\t",
    b"emdash": "\u2014", b"endash": "\u2013", b"bullet": "\u2022", b"lquote": "\u2018", b"rquote": "\u2019",
    b"ldblquote": "\u201c", b"rdblquote": "\u201d", b"emspace": " ", b"enspace": " ", b"qmspace": " ",
}  # fmt: skip
_ESCAPES = {b"\\": "\\", b"{": "{", b"}": "}", b"~": "\u00a0", b"_": "-", b"\n": "\n", b"\r": "\n"}


class RtfError(ValueError):
    """Not compressed RTF, or not RTF."""


def decompress(data: bytes) -> bytes:
    """PR_RTF_COMPRESSED → RTF bytes (at most MAX_OUTPUT)."""
    if len(data) < 16:
        raise RtfError("shorter than the compressed RTF header")
    size, raw_size, kind, _crc = struct.unpack("<IIII", data[:16])
    raw_size = min(raw_size, MAX_OUTPUT)
    if kind == MELA:
        return data[16 : 16 + raw_size]
    if kind != LZFU:
        raise RtfError(f"unknown compression {kind:#x}")
    dictionary = bytearray(INITIAL.ljust(4096, b" "))
    write = len(INITIAL)
    out = bytearray()
    pos, end = 16, min(len(data), size + 4)
    while pos < end and len(out) < raw_size:
        control = data[pos]
        pos += 1
        for bit in range(8):
            if pos >= end:
                break
            if not control & (1 << bit):
                out.append(data[pos])
                dictionary[write] = data[pos]
                write = (write + 1) & 0xFFF
                pos += 1
                continue
            if pos + 2 > end:
                raise RtfError("cut short inside a reference")
            reference = (data[pos] << 8) | data[pos + 1]
            pos += 2
            offset, length = reference >> 4, (reference & 0xF) + 2
            if offset == write:  # the end marker
                return bytes(out[:raw_size])
            for i in range(length):
                byte = dictionary[(offset + i) & 0xFFF]
                out.append(byte)
                dictionary[write] = byte
                write = (write + 1) & 0xFFF
    return bytes(out[:raw_size])


@dataclass(frozen=True)
class _State:
    skip: bool = False
    tag: bool = False  # inside {\*\htmltag …}: HTML source
    rtf_only: bool = False  # between \htmlrtf and \htmlrtf0
    uc: int = 1  # characters of fallback after \uN


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = bytearray()
        self.encoding = "cp1252"
        self.size = 0

    def flush(self) -> None:
        if self.pending:
            self.parts.append(self.pending.decode(self.encoding, errors="replace"))
            self.pending.clear()

    def byte(self, data: bytes) -> None:
        self.pending += data
        self.size += len(data)

    def text(self, text: str) -> None:
        self.flush()
        self.parts.append(text)
        self.size += len(text)

    def result(self) -> str:
        self.flush()
        return "".join(self.parts)


def to_body(rtf: bytes) -> tuple[str, str]:
    """("html", HTML) for RTF that encapsulates HTML, else ("text", its plain text)."""
    if not rtf.lstrip().startswith(b"{\\rtf"):
        raise RtfError("not RTF")
    kind = "text"
    state, stack = _State(), list[_State]()
    out = _Writer()
    star = False
    fallback = 0
    for match in _TOKEN.finditer(rtf):
        if out.size > MAX_OUTPUT:
            break
        word, param, hexbyte, symbol, brace, text = match.groups()
        if brace == b"{":
            if len(stack) >= MAX_DEPTH:
                raise RtfError("nested too deep")
            stack.append(state)
            continue
        if brace == b"}":
            state = stack.pop() if stack else state
            star = False
            continue
        shown = not state.skip and (state.tag or not state.rtf_only)
        if hexbyte is not None or text is not None:
            data = bytes.fromhex(hexbyte.decode()) if hexbyte is not None else text
            if fallback:
                dropped = min(fallback, len(data))
                data, fallback = data[dropped:], fallback - dropped
            if shown and data:
                out.byte(data)
            continue
        fallback = 0
        if symbol is not None:
            if symbol == b"*":
                star = True
            elif shown and symbol in _ESCAPES:
                out.text(_ESCAPES[symbol])
            continue
        if word is None:
            continue  # a bare line break: not content in RTF
        number = int(param) if param else None
        if (star and word != b"htmltag") or word in _SKIPPED:
            state = replace(state, skip=True)
        elif word == b"htmltag":
            state = replace(state, tag=True)
        elif word == b"htmlrtf":
            state = replace(state, rtf_only=number != 0)
        elif word == b"fromhtml":
            kind = "html"
        elif word == b"ansicpg" and number:
            out.flush()
            out.encoding = codec(number)
        elif word == b"uc" and number is not None:
            state = replace(state, uc=max(number, 0))
        elif word == b"u" and number is not None:
            if shown:
                out.text(chr(number % 65536) if number < 0 else chr(min(number, 0x10FFFF)))
            fallback = state.uc
        elif shown and word in _SYMBOLS:
            out.text(_SYMBOLS[word])
        star = False
    # \uN of characters beyond the BMP come as two surrogates; join them.
    body = out.result().encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    body = body.replace("\x00", "")
    return kind, body.strip() if kind == "text" else body


def codec(codepage: int) -> str:
    """Python's codec for a Windows code page; cp1252 when there is none."""
    name = CODEPAGES.get(codepage, f"cp{codepage}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "cp1252"
