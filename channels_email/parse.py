"""RFC 822 bytes → a parsed mail: sender, subject, new text, quoted history, HTML, attachments.

The parser runs with ``compat32``: it is about ten times faster than ``policy.default`` and
never raises on malformed headers; header values are decoded here (``charsets``), which also
survives what ``policy.default`` rejects. Nothing in this module raises on bad input: a part
that cannot be decoded is kept as an attachment of raw bytes, a charset that lies is
decoded through a fallback chain, and structure is walked to a bounded depth.

Big mail is read in pieces: the parser is fed a megabyte at a time, big base64 and
quoted-printable parts are decoded a megabyte at a time, and an attachment bigger than
``SPOOL_BYTES`` is decoded into a temporary file that the pipeline streams into storage. The
stdlib's ``parsebytes`` and ``get_payload(decode=True)`` had held a 26 MB mail (a 19 MB
attachment) seven times over: 200 MB at the peak, which the worker process then kept.
"""

from __future__ import annotations

import binascii
import hashlib
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email.feedparser import BytesFeedParser
from email.message import Message as MimeMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO, Any

from django.conf import settings
from mailparser_reply import EmailReplyParser

from channels_email.autoreply import Classification, classify
from channels_email.charsets import decode_bytes, decode_header, raw_header, raw_headers, recover_bytes
from channels_email.sanitize import html_to_text, sanitize_html
from channels_email.thread_signals import normalize_message_id, thread_ids
from channels_email.tnef import expand as expand_tnef
from channels_email.tnef import is_tnef
from hub.adapters import InboundAttachment
from hub.text import clean_text

MAX_DEPTH = 25
MAX_PARTS = 500
# The quote splitter is regex-heavy; past this size a body is shown whole, unsplit.
REPLY_SPLIT_LIMIT = 200_000
_REPLY_PARSER = EmailReplyParser(languages=["de", "en"])
# The mail goes to the parser, and into the fingerprint, this many bytes at a time.
FEED_BYTES = 1 << 20
# A part's payload is decoded this many characters at a time (a multiple of 4, for base64)...
DECODE_CHARS = 1 << 20
# ... when it is longer than this; a small one the stdlib decodes, as it always did.
DECODE_IN_PIECES_OVER = 64 * 1024
# An attachment that decodes to more than this goes to a temporary file rather than memory.
SPOOL_BYTES = 1 << 20
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_NOREPLY = re.compile(r"^(no-?reply|do-?not-?reply|donotreply|noreply-[^@]*|mailer|wordpress)@", re.IGNORECASE)
_UUENCODE = re.compile(r"^begin [0-7]{3,4} ([^\r\n]+)\r?\n(.*?)^`?\r?\nend\s*$", re.MULTILINE | re.DOTALL)
# Headers worth keeping with the message for agents and for later decisions.
KEPT_HEADERS = (
    "Date", "Reply-To", "Auto-Submitted", "Precedence", "List-Id", "X-Mailer", "User-Agent",
    "Return-Path", "X-Failed-Recipients",
)  # fmt: skip


@dataclass(frozen=True)
class Address:
    name: str
    address: str


@dataclass
class ParsedMail:
    message_id: str = ""
    subject: str = ""
    sender: Address | None = None
    reply_to: list[Address] = field(default_factory=list)
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    date: str = ""
    thread_ids: tuple[str, ...] = ()
    text: str = ""
    quoted_text: str = ""
    html: str = ""
    attachments: list[InboundAttachment] = field(default_factory=list)
    classification: Classification = field(default_factory=Classification)
    headers: dict[str, str] = field(default_factory=dict)
    defects: list[str] = field(default_factory=list)
    # Every Authentication-Results header, topmost first, and the From address they speak of
    # (channels_email.sender_check); ``sender`` may be another (a no-reply From's Reply-To).
    auth_results: tuple[str, ...] = ()
    from_address: str = ""

    @property
    def counted_attachments(self) -> int:
        """Attachments an agent would call attachments: not the images shown in the text."""
        return sum(1 for a in self.attachments if not a.inline)


def _addresses(msg: MimeMessage, name: str) -> list[Address]:
    values = [recover_bytes(v) for v in raw_headers(msg, name)]
    out: list[Address] = []
    try:
        pairs = getaddresses(values)
    except Exception:  # noqa: BLE001 - the stdlib address parser has raised on hostile input
        pairs = []
    for display, addr in pairs:
        addr = addr.strip().strip("<>").strip()
        if " " in addr:  # "Big Bug bb@bug.com": a phrase without brackets
            addr = next((w for w in addr.split() if "@" in w), "")
        if "@" in addr:
            out.append(Address(decode_header(display).strip().strip('"').strip(), addr))
    if not out and values:
        # An address after a phrase the parser choked on: find it anyway.
        found = re.search(r"[^\s<>\"(),;:]+@[^\s<>\"(),;:]+", " ".join(values))
        if found:
            out.append(Address("", found.group(0)))
    return out


def _sender(msg: MimeMessage, from_: list[Address]) -> tuple[Address | None, list[Address]]:
    """Who wrote, and the Reply-To; ``from_``: the From header's addresses, parsed by the caller."""
    reply_to = _addresses(msg, "Reply-To")
    for header in ("From", "Sender", "Return-Path"):
        found = from_ if header == "From" else _addresses(msg, header)
        if found:
            sender = found[0]
            # Contact forms and shop systems send as no-reply@ with the customer in Reply-To.
            if header == "From" and reply_to and _NOREPLY.match(sender.address):
                return Address(reply_to[0].name or sender.name, reply_to[0].address), reply_to
            return sender, reply_to
    return None, reply_to


def _filename(part: MimeMessage) -> str:
    name: Any = None
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - RFC 2231 continuations in the wild can break the stdlib
        name = None
    if not name:
        name = part.get_param("name")
        if isinstance(name, tuple):  # an RFC 2231 value the stdlib did not collapse
            name = decode_bytes(str(name[2]).encode("latin-1", "replace"), name[0])
    if name and "\ufffd" in str(name):
        # Raw 8-bit in the parameter: the stdlib replaced it; read the header ourselves.
        raw = raw_header(part, "Content-Disposition") + ";" + raw_header(part, "Content-Type")
        found = re.search(r'(?:file)?name\s*=\s*"?([^";]+)', raw, re.IGNORECASE)
        name = found.group(1) if found else name
    if not name:
        return ""
    name = decode_header(str(name))
    name = PureWindowsPath(PurePosixPath(name).name).name  # never a path of ours
    return clean_text(name).strip()[:255]


def _base64_pieces(payload: str) -> Iterator[bytes]:
    """``payload`` decoded a piece at a time; ValueError where it is anything but clean base64."""
    carry = ""
    for start in range(0, len(payload), DECODE_CHARS):
        piece = carry + "".join(payload[start : start + DECODE_CHARS].split())
        whole = len(piece) - len(piece) % 4
        carry = piece[whole:]
        if whole:
            yield binascii.a2b_base64(piece[:whole], strict_mode=True)
    if carry:
        raise ValueError("base64 that does not end on a whole group")


def _qp_pieces(payload: str) -> Iterator[bytes]:
    """``payload`` decoded a piece at a time, each ending at a line break (quoted-printable is per line)."""
    start = 0
    while start < len(payload):
        end = payload.find("\n", start + DECODE_CHARS)
        end = len(payload) if end < 0 else end + 1
        yield binascii.a2b_qp(payload[start:end])
        start = end


def _pieces(part: MimeMessage) -> Iterator[bytes] | None:
    """The decoded payload of a big part, a piece at a time; None where the stdlib decodes it.

    What ``get_payload(decode=True)`` gives, without its copies: the payload encoded to bytes,
    checked for surrogates by another encoding, split into lines and joined again (base64).
    The pieces raise ValueError where the payload is not clean (non-ASCII in base64, a group
    cut short): the caller then leaves it to the stdlib, which decodes what it can.
    """
    payload = getattr(part, "_payload", None)  # the stdlib's own attribute: get_payload() copies it
    if not isinstance(payload, str) or len(payload) <= DECODE_IN_PIECES_OVER:
        return None
    cte = str(part.get("content-transfer-encoding", "")).lower()
    if cte == "base64":
        return _base64_pieces(payload)
    if cte == "quoted-printable":
        return _qp_pieces(payload)
    if cte in ("", "7bit", "8bit", "binary"):
        return _unencoded_pieces(payload)
    return None


def _unencoded_pieces(payload: str) -> Iterator[bytes]:
    # The parser made these characters of bytes (surrogateescape): these are the bytes.
    yield payload.encode("ascii", "surrogateescape")


def _spool(pieces: Iterator[bytes]) -> IO[bytes]:
    # Where Django spools big uploads too; nameless, so nothing is left behind when a worker dies.
    spooled = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115 - the attachment owns it
    try:
        for piece in pieces:
            spooled.write(piece)
    except BaseException:
        spooled.close()
        raise
    spooled.seek(0)
    return spooled


def _content(part: MimeMessage) -> tuple[bytes, IO[bytes] | None]:
    """An attachment's decoded bytes, or a temporary file holding them when they are big."""
    pieces = _pieces(part)
    payload = getattr(part, "_payload", None)
    if pieces is not None and isinstance(payload, str) and len(payload) * 3 // 4 > SPOOL_BYTES:
        try:
            spooled = _spool(pieces)
        except ValueError:
            return _payload_bytes(part, whole=True), None
        part.set_payload("")  # decoded: the encoded copy need not wait for the rest of the mail
        return b"", spooled
    return _payload_bytes(part), None


def _payload_bytes(part: MimeMessage, whole: bool = False) -> bytes:
    pieces = None if whole else _pieces(part)
    if pieces is not None:
        try:
            return b"".join(pieces)
        except ValueError:
            pass  # not clean: the stdlib decodes what it can
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken base64 or uuencode: keep what the part holds
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _disposition(part: MimeMessage) -> str:
    value = raw_header(part, "Content-Disposition")
    return value.split(";", 1)[0].strip().lower()


def _extension_for(ctype: str) -> str:
    return {
        "text/calendar": ".ics", "application/ms-tnef": ".dat", "message/rfc822": ".eml", "text/html": ".html",
        "text/plain": ".txt", "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
        "image/gif": ".gif",
    }.get(ctype, ".bin")  # fmt: skip


_REPORT_TYPES = (
    "message/delivery-status", "message/global-delivery-status", "text/rfc822-headers",
    "message/disposition-notification", "message/feedback-report",
)  # fmt: skip


@dataclass
class _Walk:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[tuple[InboundAttachment, bool]] = field(default_factory=list)  # (item, maybe inline)
    parts: int = 0
    defects: list[str] = field(default_factory=list)


def _attach(
    walk: _Walk, part: MimeMessage, content: bytes, ctype: str, name: str = "", spooled: IO[bytes] | None = None
) -> None:
    name = name or _filename(part) or f"attachment-{len(walk.attachments) + 1}{_extension_for(ctype)}"
    content_id = normalize_message_id(raw_header(part, "Content-ID")).strip("<>")
    maybe_inline = bool(content_id) and ctype.startswith("image/") and _disposition(part) != "attachment"
    if spooled is not None and is_tnef(InboundAttachment(name, ctype, spooled.read(4))):
        # A winmail.dat is unpacked from memory (tnef.expand); it is read back for that.
        spooled.seek(0)
        content, spooled = spooled.read(), None
    elif spooled is not None:
        spooled.seek(0)
    walk.attachments.append((InboundAttachment(name, ctype, content, False, content_id, spooled), maybe_inline))


def _leaf(walk: _Walk, part: MimeMessage) -> None:
    ctype = part.get_content_type()
    disposition = _disposition(part)
    filename = _filename(part)
    is_attachment = disposition == "attachment" or (bool(filename) and not ctype.startswith("text/plain"))
    if ctype in ("text/plain", "text/html") and not is_attachment:
        text = decode_bytes(_payload_bytes(part), part.get_content_charset())
        (walk.texts if ctype == "text/plain" else walk.htmls).append(text)
        return
    # A multipart whose boundary never occurs is one body of text (RFC 2046 preamble).
    text_body = (ctype == "text/plain" or part.get_content_maintype() == "multipart") and not is_attachment
    content, spooled = (_payload_bytes(part), None) if text_body else _content(part)
    if not content and spooled is None and not filename:
        return
    if text_body:
        walk.texts.append(decode_bytes(content, part.get_content_charset()))
        return
    _attach(walk, part, content, ctype, filename, spooled)


def _walk(walk: _Walk, part: MimeMessage, depth: int = 0) -> None:
    walk.parts += 1
    if depth > MAX_DEPTH or walk.parts > MAX_PARTS:
        walk.defects.append("structure too deep or too many parts; the rest is kept only in the raw mail")
        return
    ctype = part.get_content_type()
    payload = part.get_payload()
    if ctype in _REPORT_TYPES:
        return  # read by the bounce classifier; nothing an agent opens
    if ctype == "message/rfc822" or (ctype.startswith("message/") and isinstance(payload, list)):
        # A forwarded or bounced mail: an .eml attachment, as agents open it in their client.
        inner = payload[0] if isinstance(payload, list) and payload else None
        try:
            content = inner.as_bytes() if isinstance(inner, MimeMessage) else _payload_bytes(part)
        except Exception:  # noqa: BLE001 - re-serializing a broken inner mail
            content = _payload_bytes(part)
        subject = decode_header(raw_header(inner, "Subject")) if isinstance(inner, MimeMessage) else ""
        name = _filename(part) or (re.sub(r"[^\w\-. äöüÄÖÜß]", "_", subject)[:80] or "message") + ".eml"
        _attach(walk, part, content, "message/rfc822", name)
        return
    if not isinstance(payload, list):
        _leaf(walk, part)
        return
    children = [c for c in payload if isinstance(c, MimeMessage)]
    if ctype == "multipart/alternative" and children:
        plain = next((c for c in children if c.get_content_type() == "text/plain" and not _disposition(c)), None)
        rich = [c for c in children if c.get_content_type() == "text/html" or c.get_content_maintype() == "multipart"]
        richest = rich[-1] if rich else None
        for child in children:
            if child is plain or child is richest:
                _walk(walk, child, depth + 1)
            elif child.get_content_type() == "text/calendar":
                _attach(walk, child, _payload_bytes(child), "text/calendar", _filename(child) or "invite.ics")
        if plain is None and richest is None:
            for child in children:
                _walk(walk, child, depth + 1)
        return
    for child in children:
        _walk(walk, child, depth + 1)


def _uudecode(text: str) -> tuple[str, list[InboundAttachment]]:
    """Old clients put uuencoded files straight into the text; cut them out as attachments."""
    found: list[InboundAttachment] = []

    def take(match: re.Match[str]) -> str:
        data = bytearray()
        for line in match.group(2).splitlines():
            if not line.strip():
                continue
            try:
                data += binascii.a2b_uu(line)
            except binascii.Error:
                # Some encoders pad lines wrongly; the length byte says how much is real.
                nbytes = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
                try:
                    data += binascii.a2b_uu(line[:nbytes])
                except binascii.Error:
                    continue
        name = PureWindowsPath(PurePosixPath(match.group(1).strip()).name).name
        found.append(InboundAttachment(name or "uuencoded.bin", "application/octet-stream", bytes(data)))
        return ""

    return _UUENCODE.sub(take, text), found


def split_reply(text: str) -> tuple[str, str]:
    """(new text, quoted history): what the sender wrote now, and what they quoted below it."""
    if not text.strip() or len(text) > REPLY_SPLIT_LIMIT:
        return text.strip(), ""
    try:
        replies = _REPLY_PARSER.read(text).replies
    except Exception:  # noqa: BLE001 - the splitter is a heuristic; failing it shows the whole text
        return text.strip(), ""
    if len(replies) < 2:
        return text.strip(), ""
    new = replies[0].full_body.strip()
    if not new:
        return text.strip(), ""
    at = text.find(new)
    quoted = text[at + len(new) :].strip() if at >= 0 else "\n\n".join(r.full_body for r in replies[1:]).strip()
    return new, quoted


_OBS_NAME = re.compile(rb"^([!-9;-~]+)[ \t]+:", re.MULTILINE)


def _fix_header_names(raw: bytes) -> bytes:
    """``From  : x`` (obsolete RFC 822 syntax) → ``From: x``, in the header block only."""
    end = re.search(rb"\r?\n\r?\n", raw)
    head, rest = (raw[: end.start()], raw[end.start() :]) if end else (raw, b"")
    if not _OBS_NAME.search(head):
        return raw
    return _OBS_NAME.sub(rb"\1:", head) + rest


def _pieces_of(raw: bytes, start: int = 0) -> Iterator[bytes]:
    view = memoryview(raw)
    for at in range(start, len(view), FEED_BYTES):
        yield bytes(view[at : at + FEED_BYTES])


def _message(raw: bytes) -> MimeMessage:
    """``raw`` parsed as ``BytesParser.parsebytes`` would, without NULs, fed a piece at a time.

    ``parsebytes`` first makes the whole mail one string and then a StringIO of it, at four
    bytes a character. The header block (up to its blank line) is read whole, so that
    ``_fix_header_names`` sees all of it.
    """
    parser = BytesFeedParser(policy=compat32)
    pieces = _pieces_of(raw)
    head = bytearray()
    for piece in pieces:
        searched = max(len(head) - 3, 0)  # the blank line may start in the piece before
        head += piece.replace(b"\x00", b"")
        if _HEADER_END.search(head, searched):
            break
    parser.feed(_fix_header_names(bytes(head)))
    del head
    for piece in pieces:
        parser.feed(piece.replace(b"\x00", b""))
    return parser.close()


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse one RFC 822 mail. Never raises on malformed input (it may on a non-bytes argument).

    Attachments bigger than ``SPOOL_BYTES`` come as temporary files (``InboundAttachment.spooled``).
    """
    msg = _message(raw)
    from_ = _addresses(msg, "From")  # once: the sender and ``from_address`` both come from it
    sender, reply_to = _sender(msg, from_)
    subject = clean_text(decode_header(raw_header(msg, "Subject")))
    walk = _Walk()
    _walk(walk, msg)
    expand_tnef(walk.attachments, walk.texts, walk.htmls)  # winmail.dat: the files (and body) packed in it

    html_source = "\n".join(walk.htmls)
    html = sanitize_html(html_source) if html_source else ""
    text = "\n\n".join(t.strip("\r\n") for t in walk.texts if t.strip())
    if not text and html_source:
        text = html_to_text(html_source)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, uuencoded = _uudecode(text) if "begin " in text else (text, [])
    text = clean_text(text)
    new_text, quoted = split_reply(text)

    referenced = set(re.findall(r'src="cid:([^"]+)"', html))
    attachments = [replace(a, inline=maybe and a.content_id in referenced) for a, maybe in walk.attachments]
    attachments += uuencoded

    headers = {}
    for name in KEPT_HEADERS:
        value = raw_header(msg, name)
        if value:
            headers[name] = clean_text(decode_header(value))[:500]
    date = ""
    try:
        value = raw_header(msg, "Date")
        date = parsedate_to_datetime(value).isoformat() if value else ""
    except (TypeError, ValueError, IndexError, OverflowError):
        date = ""
    defects = [type(d).__name__ for d in msg.defects] + walk.defects
    classification = classify(msg, sender.address if sender else "", subject, text)
    return ParsedMail(
        message_id=normalize_message_id(recover_bytes(raw_header(msg, "Message-ID"))),
        subject=subject,
        sender=sender,
        reply_to=reply_to,
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        date=date,
        thread_ids=thread_ids(raw_header(msg, "In-Reply-To"), raw_header(msg, "References")),
        text=new_text,
        quoted_text=quoted,
        html=html,
        attachments=attachments,
        classification=classification,
        headers=headers,
        defects=defects[:20],
        auth_results=tuple(recover_bytes(v) for v in raw_headers(msg, "Authentication-Results")),
        from_address=from_[0].address if from_ else "",
    )


@dataclass(frozen=True)
class Envelope:
    """What ``receive`` needs before any full parse: the dedupe key of a mail."""

    message_id: str
    fingerprint: str

    @property
    def external_id(self) -> str:
        return self.message_id or f"sha256:{self.fingerprint}"


def envelope(raw: bytes) -> Envelope:
    """The mail's Message-ID and a content fingerprint that survives transport.

    The fingerprint hashes what the sender wrote (From, To, Cc, Date, Subject and the body),
    not the trace headers every relay adds, so the same mail fetched by IMAP and delivered by
    SMTP gives the same hash when it has no Message-ID.
    """
    split = _HEADER_END.search(raw)
    # The header block alone: the parser would have read the whole body too, as one string.
    head = BytesHeaderParser(policy=compat32).parsebytes(raw[: split.end()] if split else raw)
    message_id = normalize_message_id(recover_bytes(raw_header(head, "Message-ID")))
    digest = hashlib.sha256()
    for name in ("From", "To", "Cc", "Date", "Subject"):
        digest.update(name.encode() + b":" + raw_header(head, name).strip().encode("utf-8", "surrogateescape") + b"\n")
    if split:
        _digest_body(digest, raw, split.end())
    return Envelope(message_id=message_id, fingerprint=digest.hexdigest())


def _digest_body(digest: Any, raw: bytes, start: int) -> None:
    """Hash ``raw[start:]`` with CRLF as LF and without trailing whitespace, a piece at a time.

    The same hash as ``raw[start:].replace(b"\\r\\n", b"\\n").rstrip()``, which made three copies of
    the body: a CR that ends a piece waits for the next, and trailing whitespace is hashed only
    once something follows it.
    """
    pending = b""  # whitespace at the end so far: hashed only if more than whitespace follows
    cr = b""
    for piece in _pieces_of(raw, start):
        piece = cr + piece
        cr = b"\r" if piece.endswith(b"\r") else b""
        piece = piece[:-1] if cr else piece
        piece = piece.replace(b"\r\n", b"\n")
        kept = piece.rstrip()
        if kept:
            digest.update(pending)
            digest.update(kept)
            pending = piece[len(kept) :]
        else:
            pending += piece
