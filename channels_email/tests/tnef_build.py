"""Writes TNEF streams the way Outlook lays them out (MS-OXTNEF), for the tests.

Used to make the winmail.dat files of the corpus mails 077 and 078 and the broken variants in
test_tnef.py. The streams it writes were checked against an independent decoder (tnefparse)
when the corpus files were made; the compressed RTF in 078 was made by another independent
implementation (the compressed_rtf package), so our decompressor is not only checked against
itself.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

SIGNATURE = 0x223E9F78
PT_LONG, PT_STRING8, PT_UNICODE, PT_BINARY = 0x0003, 0x001E, 0x001F, 0x0102


@dataclass
class File:
    long_name: str
    data: bytes
    mime: str = ""
    content_id: str = ""
    short_name: str = ""


def attribute(level: int, att_id: int, data: bytes) -> bytes:
    return struct.pack("<BII", level, att_id, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def _padded(raw: bytes) -> bytes:
    return struct.pack("<II", 1, len(raw)) + raw + b"\x00" * (-len(raw) % 4)


def properties(items: list[tuple[int, int, object]]) -> bytes:
    out = struct.pack("<I", len(items))
    for ptype, pid, value in items:
        out += struct.pack("<HH", ptype, pid)
        if ptype == PT_LONG:
            out += struct.pack("<i", value)
        elif ptype == PT_STRING8:
            out += _padded(str(value).encode("cp1252") + b"\x00")
        elif ptype == PT_UNICODE:
            out += _padded(str(value).encode("utf-16-le") + b"\x00\x00")
        elif ptype == PT_BINARY:
            assert isinstance(value, bytes)
            out += _padded(value)
    return out


def tnef(files: list[File], *, message: list[tuple[int, int, object]] | None = None, codepage: int = 1252) -> bytes:
    out = struct.pack("<IH", SIGNATURE, 0x0C0D)
    out += attribute(1, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += attribute(1, 0x00069007, struct.pack("<II", codepage, 0))  # attOemCodepage
    out += attribute(1, 0x00078008, b"IPM.Microsoft Mail.Note\x00")  # attMessageClass
    out += attribute(1, 0x00069003, properties([(PT_STRING8, 0x001A, "IPM.Note"), *(message or [])]))
    for file in files:
        out += attribute(2, 0x00069002, struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0))  # attAttachRendData
        short = file.short_name or file.long_name[:8]
        out += attribute(2, 0x00018010, short.encode("cp1252", "replace") + b"\x00")  # attAttachTitle
        out += attribute(2, 0x0006800F, file.data)  # attAttachData
        props: list[tuple[int, int, object]] = [
            (PT_LONG, 0x3705, 1),  # PR_ATTACH_METHOD: by value
            (PT_STRING8, 0x3704, short),
            (PT_UNICODE, 0x3707, file.long_name),
            (PT_BINARY, 0x3701, file.data),
        ]
        if file.mime:
            props.append((PT_STRING8, 0x370E, file.mime))
        if file.content_id:
            props.append((PT_STRING8, 0x3712, file.content_id))
        out += attribute(2, 0x00069005, properties(props))  # attAttachment
    return out


def lzfu_literals(rtf: bytes) -> bytes:
    """Compressed RTF that uses no back references: the simplest stream a writer may produce."""
    body = bytearray()
    write = 207
    for start in range(0, len(rtf), 8):
        chunk = rtf[start : start + 8]
        flags = 0 if len(chunk) == 8 else 1 << len(chunk)
        body += bytes([flags]) + chunk
        write = (write + len(chunk)) & 0xFFF
    if len(rtf) % 8 == 0:
        body += b"\x01"
    body += struct.pack(">H", write << 4)  # the end marker: a reference to the write position
    return struct.pack("<IIII", len(body) + 12, len(rtf), 0x75465A4C, 0) + bytes(body)
