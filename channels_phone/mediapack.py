"""MMS media travel to the pipeline as the receipt's raw bytes: one MIME multipart, read back
by the adapter (the standard library writes and parses it; names and types survive)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from channels_phone.providers.base import Download
from hub.adapters import InboundAttachment


def pack(files: list[Download]) -> bytes:
    container = EmailMessage()
    for n, item in enumerate(files, 1):
        maintype, _, subtype = (item.content_type or "application/octet-stream").partition("/")
        container.add_attachment(
            item.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=item.filename or f"media-{n}",
        )
    return container.as_bytes(policy=policy.SMTP)


def unpack(raw: bytes) -> tuple[InboundAttachment, ...]:
    if not raw:
        return ()
    container = message_from_bytes(raw, policy=policy.default)
    found = []
    for part in container.iter_attachments():
        content = part.get_payload(decode=True)
        if isinstance(content, bytes):
            found.append(InboundAttachment(part.get_filename() or "media", part.get_content_type(), content))
    return tuple(found)
