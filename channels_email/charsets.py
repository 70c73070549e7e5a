"""Bytes to text for mail that lies about its charset, and RFC 2047 encoded words.

The chain is: the declared charset (through a table of aliases real mailers use), then
UTF-8, then windows-1252, then latin-1, which decodes any byte. So a mislabeled, unknown or
8-bit-raw charset never raises; at worst a few characters look wrong.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from email.message import Message

# Labels mailers send that Python does not know, or knows as something narrower.
_ALIASES = {
    "x-unknown": "",
    "unknown": "",
    "unknown-8bit": "",
    "x-user-defined": "",
    "default": "",
    "charset": "",
    "us-ascii": "ascii",
    "ascii": "ascii",
    # WHATWG: a latin-1 label means windows-1252; cp1252 is a superset for printable text.
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "windows-1252": "cp1252",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "utf8": "utf-8",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
}
_SINGLE_BYTE_LATIN = {"", "ascii", "cp1252", "iso-8859-15", "latin_1", "iso8859-15"}


def codec_for(charset: str | None) -> str:
    """The Python codec for a declared charset, or '' when it is unknown or absent."""
    if not charset:
        return ""
    label = charset.strip().strip("\"'").lower()
    label = label.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*de
    if label in _ALIASES:
        return _ALIASES[label]
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return ""


def _is_ascii(data: bytes) -> bool:
    return data.isascii()


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode ``data`` declared as ``charset``; never raises."""
    if not data:
        return ""
    codec = codec_for(charset)
    if _is_ascii(data) and codec not in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-7", "iso2022_jp_ext"):
        return data.decode("ascii")
    if codec in _SINGLE_BYTE_LATIN:
        # Mislabeled UTF-8 (declared latin-1 or nothing) is the most common lie; valid UTF-8
        # multi-byte sequences almost never occur by accident in real latin-1 text.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for candidate in (codec, "utf-8", "cp1252"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError, ValueError):
            continue
    return data.decode("latin-1")


def recover_bytes(value: str) -> str:
    """Fix a header that arrived as raw 8-bit bytes.

    The compat32 parser keeps such bytes as surrogate escapes; turn them back into bytes and
    decode them through the chain (UTF-8 first, as most raw 8-bit headers are UTF-8).
    """
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"), "")


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _b64(data: str) -> bytes:
    data = re.sub(r"[^A-Za-z0-9+/]", "", data)
    if len(data) % 4 == 1:
        data = data[:-1]
    data += "=" * (-len(data) % 4)
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError):
        return b""


def _q(data: str) -> bytes:
    try:
        return binascii.a2b_qp(data.encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return data.encode("ascii", "replace")


def decode_header(value: object) -> str:
    """A header value as text: unfolded, raw 8-bit recovered, RFC 2047 words decoded.

    Adjacent encoded words in one charset are joined before decoding, so a multi-byte
    character split across two words (which many mailers do) comes out whole.
    """
    if value is None:
        return ""
    text = recover_bytes(_FOLD.sub("", str(value)))
    text = text.replace("\r", "").replace("\n", "")
    if "=?" not in text:
        return text.strip()
    out: list[str] = []
    pending = bytearray()
    pending_charset = ""
    pos = 0
    seen_word = False
    for match in _ENCODED_WORD.finditer(text):
        between = text[pos : match.start()]
        charset, encoding, data = match.groups()
        raw = _b64(data) if encoding in "bB" else _q(data)
        # Whitespace between two encoded words is not part of the text (RFC 2047, 6.2).
        adjacent = seen_word and not between.strip()
        if not adjacent or codec_for(charset) != codec_for(pending_charset):
            if pending:
                out.append(decode_bytes(bytes(pending), pending_charset))
                pending = bytearray()
            if not adjacent:
                out.append(between)
        pending += raw
        pending_charset = charset
        pos = match.end()
        seen_word = True
    if pending:
        out.append(decode_bytes(bytes(pending), pending_charset))
    out.append(text[pos:])
    return "".join(out).strip()


def raw_headers(msg: Message, name: str) -> list[str]:
    """Every value of header ``name`` as received (8-bit bytes still surrogate-escaped).

    ``Message.get`` of compat32 turns a header with raw 8-bit bytes into a ``Header`` whose
    ``str()`` replaces them with U+FFFD; these raw values keep the bytes for ``decode_header``.
    """
    wanted = name.lower()
    return [str(value) for key, value in msg.raw_items() if key.lower() == wanted]


def raw_header(msg: Message, name: str) -> str:
    values = raw_headers(msg, name)
    return values[0] if values else ""
