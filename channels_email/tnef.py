"""TNEF (winmail.dat, application/ms-tnef): the files and the body Outlook packed into it.

Outlook and Exchange sometimes send a mail's attachments (and its formatted body) inside one
``winmail.dat`` that only Outlook opens. ``expand`` puts the files it holds next to it, under
their real names, and takes its body when the mail brought none. The winmail.dat itself stays
(nothing is lost); one that cannot be decoded leaves the mail as it was, with a note in the log.

The format (MS-OXTNEF): a signature, then attributes ``level(1) id(4) length(4) data checksum(2)``;
an attachment starts with ``attAttachRendData`` and is described by ``attAttachTitle``,
``attAttachData`` and a MAPI property list (``attAttachment``); the message's properties
(body, HTML, compressed RTF) come in ``attMsgProps``. Written here rather than taken from
tnefparse, whose licence is the LGPL; our tests check against mails Outlook wrote.
"""

from __future__ import annotations

import logging
import mimetypes
import struct
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath

from channels_email.rtf import RtfError, codec, decompress, to_body
from hub.adapters import InboundAttachment
from hub.text import clean_text

log = logging.getLogger(__name__)

SIGNATURE = 0x223E9F78
TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")
MAX_ATTACHMENTS = 200
MAX_PROPERTIES = 10_000
MAX_NESTING = 3

# Attribute ids (low 16 bits of attId; the high bits are its type, which we do not need).
ATT_BODY = 0x800C
ATT_ATTACH_DATA = 0x800F
ATT_ATTACH_TITLE = 0x8010
ATT_ATTACH_REND_DATA = 0x9002
ATT_MSG_PROPS = 0x9003
ATT_ATTACHMENT = 0x9005
ATT_OEM_CODEPAGE = 0x9007

# MAPI property ids.
PR_BODY = 0x1000
PR_RTF_COMPRESSED = 0x1009
PR_BODY_HTML = 0x1013
PR_DISPLAY_NAME = 0x3001
PR_ATTACH_DATA = 0x3701
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_METHOD = 0x3705
PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_MIME_TAG = 0x370E
PR_ATTACH_CONTENT_ID = 0x3712
PR_INTERNET_CPID = 0x3FDE
ATTACH_EMBEDDED_MSG = 5

# MAPI property types: the fixed sizes; strings, binaries and objects carry their length.
PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT, PT_SVREID = 0x001E, 0x001F, 0x0102, 0x000D, 0x00FB
MV_FLAG = 0x1000
FIXED_SIZES = {
    0x0001: 4, 0x0002: 4, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x000A: 4,
    0x000B: 4, 0x0014: 8, 0x0040: 8, 0x0048: 16,
}  # fmt: skip


class TnefError(ValueError):
    """Not a TNEF stream, or one cut short or malformed."""


@dataclass
class _File:
    title: str = ""
    data: bytes | None = None
    props: dict[int, object] = field(default_factory=dict)


@dataclass
class Decoded:
    attachments: list[InboundAttachment] = field(default_factory=list)
    text: str = ""
    html: str = ""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.end = data, 0, len(data)

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise TnefError(f"cut short at byte {self.pos} (wanted {n} more)")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def u16(self) -> int:
        value: int = struct.unpack("<H", self.take(2))[0]
        return value

    def u32(self) -> int:
        value: int = struct.unpack("<I", self.take(4))[0]
        return value

    def padded(self, n: int) -> bytes:
        chunk = self.take(n)
        self.take(-n % 4)
        return chunk

    @property
    def left(self) -> int:
        return self.end - self.pos


def _string(raw: bytes, encoding: str) -> str:
    return raw.decode(encoding, errors="replace").split("\x00", 1)[0]


def _properties(data: bytes, encoding: str) -> dict[int, object]:
    """A MAPI property list: id → first value (str for strings, bytes for binaries and objects, int)."""
    reader = _Reader(data)
    count = reader.u32()
    if count > MAX_PROPERTIES:
        raise TnefError(f"{count} properties")
    props: dict[int, object] = {}
    try:
        for _ in range(count):
            _property(reader, encoding, props)
    except TnefError as exc:
        # A property we cannot size ends the list; the ones before it (names, data) still count.
        log.info("a MAPI property list in a winmail.dat was read up to byte %d: %s", reader.pos, exc)
    return props


def _property(reader: _Reader, encoding: str, props: dict[int, object]) -> None:
    """Read one property; keep the first value of the first occurrence of an unnamed one."""
    ptype, pid = reader.u16(), reader.u16()
    if pid >= 0x8000:  # a named property: its GUID and name or number, then the value
        reader.take(16)
        if reader.u32() == 1:
            reader.padded(reader.u32())
        else:
            reader.u32()
    base = ptype & ~MV_FLAG
    values: list[object] = []
    if base in FIXED_SIZES:
        repeat = reader.u32() if ptype & MV_FLAG else 1
        for _ in range(min(repeat, reader.left)):
            values.append(reader.take(FIXED_SIZES[base]))
    elif base in (PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT, PT_SVREID):
        for _ in range(min(reader.u32(), reader.left)):
            raw = reader.padded(reader.u32())
            if base == PT_STRING8:
                values.append(_string(raw, encoding))
            elif base == PT_UNICODE:
                values.append(_string(raw, "utf-16-le"))
            else:
                values.append(raw[16:] if base == PT_OBJECT else raw)  # an object starts with its IID
    else:
        raise TnefError(f"unknown property type {ptype:#06x}")
    if values and pid < 0x8000 and pid not in props:
        first = values[0]
        if base == 0x0003 and isinstance(first, bytes):
            first = struct.unpack("<i", first)[0]
        props[pid] = first


def _name(file: _File) -> str:
    for pid in (PR_ATTACH_LONG_FILENAME, PR_DISPLAY_NAME, PR_ATTACH_FILENAME):
        value = file.props.get(pid)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return file.title.strip()


def _attachments(file: _File, number: int, depth: int) -> list[InboundAttachment]:
    """The file (or, for an attached Outlook item, the files in it) one attachment record holds."""
    stored = file.props.get(PR_ATTACH_DATA)
    if file.props.get(PR_ATTACH_METHOD) == ATTACH_EMBEDDED_MSG:
        # An attached Outlook item is itself TNEF; its files count, its body stays in the winmail.dat.
        if not isinstance(stored, bytes) or depth >= MAX_NESTING:
            return []
        try:
            return decode(stored, depth + 1).attachments
        except (TnefError, struct.error, ValueError):
            return []
    # The property is the whole file; attAttachData is sometimes a shortened copy of it.
    data = stored if isinstance(stored, bytes) else file.data
    if data is None:
        return []
    name = clean_text(PureWindowsPath(PurePosixPath(_name(file)).name).name).strip()[:255] or f"attachment-{number}"
    mime_tag = file.props.get(PR_ATTACH_MIME_TAG)
    ctype = mime_tag.strip().lower() if isinstance(mime_tag, str) and "/" in mime_tag else ""
    ctype = ctype or mimetypes.guess_type(name)[0] or "application/octet-stream"
    cid = file.props.get(PR_ATTACH_CONTENT_ID)
    return [InboundAttachment(name, ctype, data, False, cid.strip("<> ") if isinstance(cid, str) else "")]


def decode(data: bytes, depth: int = 0) -> Decoded:
    """The files and body in a TNEF stream. Raises TnefError when it is not one or is broken."""
    reader = _Reader(data)
    if len(data) < 6 or reader.u32() != SIGNATURE:
        raise TnefError("no TNEF signature")
    reader.u16()  # legacy key
    encoding = "cp1252"
    files: list[_File] = []
    message: dict[int, object] = {}
    legacy_body = ""
    while reader.left:
        level = reader.take(1)[0]
        if level not in (1, 2):
            if not files and not message:
                raise TnefError(f"attribute level {level} at byte {reader.pos - 1}")
            break  # trailing garbage after what was readable: keep what we have
        attribute = reader.u32() & 0xFFFF
        value = reader.take(reader.u32())
        # The checksum: Outlook's are right, a wrong one loses nothing we could check, and some
        # writers cut the last one off.
        reader.take(min(2, reader.left))
        if attribute == ATT_OEM_CODEPAGE and len(value) >= 4:
            encoding = codec(struct.unpack("<I", value[:4])[0])
        elif attribute == ATT_ATTACH_REND_DATA:
            if len(files) >= MAX_ATTACHMENTS:
                raise TnefError("too many attachments")
            files.append(_File())
        elif attribute == ATT_MSG_PROPS:
            message = _properties(value, encoding)
        elif attribute == ATT_BODY:
            legacy_body = _string(value, encoding)
        elif files and attribute == ATT_ATTACH_TITLE:
            files[-1].title = _string(value, encoding)
        elif files and attribute == ATT_ATTACH_DATA:
            files[-1].data = value
        elif files and attribute == ATT_ATTACHMENT:
            files[-1].props = _properties(value, encoding)
    decoded = Decoded()
    for number, file in enumerate(files, start=1):
        decoded.attachments += _attachments(file, number, depth)
    # Attached Outlook items nest; the total stays bounded, whatever the nesting.
    del decoded.attachments[MAX_ATTACHMENTS:]
    _body(decoded, message, legacy_body)
    return decoded


def _body(decoded: Decoded, message: dict[int, object], legacy: str) -> None:
    html = message.get(PR_BODY_HTML)
    if isinstance(html, bytes):
        cpid = message.get(PR_INTERNET_CPID)
        html = html.decode(codec(cpid) if isinstance(cpid, int) else "utf-8", errors="replace")
    text = message.get(PR_BODY)
    decoded.html = html.split("\x00", 1)[0] if isinstance(html, str) else ""
    decoded.text = text if isinstance(text, str) else legacy
    rtf = message.get(PR_RTF_COMPRESSED)
    if decoded.html or decoded.text.strip() or not isinstance(rtf, bytes):
        return
    try:
        kind, body = to_body(decompress(rtf))
    except RtfError as exc:
        log.info("the RTF body in a winmail.dat could not be read (%s)", exc)
        return
    if kind == "html":
        decoded.html = body
    else:
        decoded.text = body


def is_tnef(attachment: InboundAttachment) -> bool:
    return (
        attachment.content_type in TYPES
        or attachment.filename.lower() == "winmail.dat"
        or attachment.content[:4] == struct.pack("<I", SIGNATURE)
    )


def expand(attachments: list[tuple[InboundAttachment, bool]], texts: list[str], htmls: list[str]) -> None:
    """Put the files of every winmail.dat right after it; its body joins the mail's when that has none.

    ``attachments`` holds (attachment, may be an inline image) pairs as the MIME walk found them.
    """
    index = 0
    while index < len(attachments):
        attachment = attachments[index][0]
        index += 1
        if not is_tnef(attachment):
            continue
        try:
            decoded = decode(attachment.content)
        except Exception as exc:  # noqa: BLE001 - whatever a sender's bytes do, the mail stays as it came
            log.warning("%s (%d bytes) is kept undecoded: %s", attachment.filename, len(attachment.content), exc)
            continue
        found = [(a, bool(a.content_id) and a.content_type.startswith("image/")) for a in decoded.attachments]
        attachments[index:index] = found
        index += len(found)
        if not any(t.strip() for t in texts) and not htmls:
            if decoded.html:
                htmls.append(decoded.html)
            elif decoded.text.strip():
                texts.append(decoded.text)
