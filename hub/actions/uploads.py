"""Files an agent attaches to a reply: uploaded before sending, kept with the draft, sent with it.

An upload is stored as inbound attachments are (content-addressed, ``hub.models.uploads``),
checked against what the reply's channel takes (``ChannelAdapter.attachment_limits``), and
becomes an ``Attachment`` of the message when the reply is stored (``attach_uploads``).
An inline upload is an image in the reply's rich text (``hub.richtext``): only PNG, JPEG, GIF
and WebP, and sent only while the text still shows it, as an inline attachment with a
Content-ID the HTML names.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from hub.adapters import AttachmentLimits, get_adapter
from hub.downloads import IMAGES
from hub.models import Agent, Attachment, DraftUpload, Message, Ticket
from hub.text import clean_filename

# Images a mail program shows in the text, and a browser renders without running anything.
INLINE_TYPES = IMAGES
# What each of them starts with: the type a browser claimed is checked against the bytes.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


class UploadRefused(ValueError):
    """The channel does not take this file (kind, size, count); the message is for the agent."""


def _is_inline_image(content_type: str, head: bytes) -> bool:
    if content_type == "image/webp" and head[8:12] != b"WEBP":
        return False
    return head.startswith(_SIGNATURES.get(content_type, (b"\0never",)))


def content_type_of(upload: UploadedFile) -> str:
    return (upload.content_type or "").split(";")[0].strip().lower()[:255] or "application/octet-stream"


def check(limits: AttachmentLimits, *, sizes: Sequence[int], types: Sequence[str]) -> None:
    """UploadRefused unless files of these sizes and types may go together on the channel."""
    if limits.max_bytes <= 0:
        raise UploadRefused(_("This channel takes no attachments."))
    for content_type in types:
        if limits.types and content_type not in limits.types:
            raise UploadRefused(_("This channel does not take files of type %(type)s.") % {"type": content_type})
    if len(sizes) > limits.max_files:
        raise UploadRefused(_("At most %(count)d files can go with one message.") % {"count": limits.max_files})
    if sum(sizes) > limits.max_bytes:
        raise UploadRefused(
            _("The attachments are too large together: at most %(size)s.") % {"size": filesizeformat(limits.max_bytes)}
        )


def draft_uploads(ticket: Ticket | int, agent: Agent) -> list[DraftUpload]:
    """The files beside the agent's draft (its inline images are in its text)."""
    return list(DraftUpload.objects.filter(ticket=ticket, agent=agent, inline=False).order_by("pk"))


def do_upload(ticket: Ticket, *, agent: Agent, upload: UploadedFile, channel: str, inline: bool = False) -> DraftUpload:
    """Store ``upload`` with the agent's draft on ``ticket``, if a reply on ``channel`` takes it
    together with the files already there; UploadRefused with the reason if not. ``inline``:
    an image for the text, refused unless its bytes are a PNG, JPEG, GIF or WebP image."""
    content_type = content_type_of(upload)
    size = upload.size or 0
    if inline:
        upload.seek(0)
        head = upload.read(16)
        if content_type not in INLINE_TYPES or not _is_inline_image(content_type, head):
            raise UploadRefused(_("Only PNG, JPEG, GIF and WebP images can go in the text."))
    earlier = DraftUpload.objects.filter(ticket=ticket, agent=agent)
    aggregate = earlier.aggregate(total=Sum("size"))
    count = earlier.count()
    check(
        get_adapter(channel).attachment_limits(),
        sizes=[*([0] * count), (aggregate["total"] or 0) + size],
        types=[content_type],
    )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    item = DraftUpload(
        ticket=ticket,
        agent=agent,
        filename=clean_filename(upload.name or "")[:255] or "attachment",
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        inline=inline,
    )
    name = item.file.field.generate_filename(item, item.filename)
    # Same bytes, same file (as inbound attachments): stored once however often it is sent.
    if default_storage.exists(name):
        item.file.name = name
    else:
        upload.seek(0)
        item.file.save(item.filename, upload, save=False)
    item.save()
    return item


def do_remove_upload(ticket: Ticket, *, agent: Agent, upload_id: int) -> bool:
    """Take a file off the agent's draft; the stored bytes stay (others may share them)."""
    deleted, _by_model = DraftUpload.objects.filter(pk=upload_id, ticket=ticket, agent=agent).delete()
    return deleted > 0


def pending(
    ticket: Ticket, agent: Agent, upload_ids: Sequence[int], channel: str, inline_ids: Sequence[int] = ()
) -> tuple[list[DraftUpload], list[DraftUpload]]:
    """The agent's files named by ``upload_ids`` and inline images named by ``inline_ids`` (those
    the reply's text shows), checked together against ``channel``; others' ids find nothing."""
    if not upload_ids and not inline_ids:
        return [], []
    wanted = {*upload_ids, *inline_ids}
    found = list(DraftUpload.objects.filter(ticket=ticket, agent=agent, pk__in=list(wanted)).order_by("pk"))
    images = [u for u in found if u.inline and u.pk in set(inline_ids)]
    files = [u for u in found if not u.inline and u.pk in set(upload_ids)]
    if files or images:
        check(
            get_adapter(channel).attachment_limits(),
            sizes=[u.size for u in [*files, *images]],
            types=[u.content_type for u in [*files, *images]],
        )
    return files, images


def content_ids(images: Sequence[DraftUpload]) -> dict[int, str]:
    """A new Content-ID (RFC 2392, without its angle brackets) for each inline image."""
    return {u.pk: f"{uuid.uuid4().hex}@inline.hub" for u in images}


def known_attachments(message: Message, attachments: list[Attachment]) -> None:
    """Let ``message.attachments.all()`` answer ``attachments`` without a query, as a prefetch
    would: the channel that delivers a reply in its transaction (the chat) reads them."""
    found = Attachment.objects.none()
    found._result_cache = attachments  # what prefetch_related sets
    found._prefetch_done = True  # type: ignore[attr-defined]
    message._prefetched_objects_cache = {"attachments": found}  # type: ignore[attr-defined]


def _attach(
    message: Message, files: Sequence[DraftUpload | Attachment], inline: Mapping[int, str] | None = None
) -> list[Attachment]:
    """Attachments of ``message`` sharing the stored files of ``files``: no bytes are copied.
    ``inline``: the Content-IDs of those ``files`` (by pk) the message's HTML shows."""
    inline = inline or {}
    return Attachment.objects.bulk_create(
        [
            Attachment(
                message=message,
                filename=f.filename,
                content_type=f.content_type,
                size=f.size,
                sha256=f.sha256,
                file=f.file.name,
                inline=f.pk in inline,
                content_id=inline.get(f.pk, ""),
            )
            for f in files
        ]
    )


def attach_uploads(
    message: Message, uploads: Sequence[DraftUpload], inline: Mapping[int, str] | None = None
) -> list[Attachment]:
    """The uploads as attachments of ``message`` (their files stay where they are); the uploads
    go. Those in ``inline`` (pk: Content-ID) are the images its HTML shows."""
    if not uploads:
        return []
    attachments = _attach(message, uploads, inline)
    DraftUpload.objects.filter(pk__in=[u.pk for u in uploads]).delete()
    return attachments


def drop_inline_leftovers(ticket: Ticket, agent: Agent) -> None:
    """The agent's inline images the text they just sent no longer showed: nobody will send them.
    The stored bytes stay (others may share them)."""
    DraftUpload.objects.filter(ticket=ticket, agent=agent, inline=True).delete()


def copy_attachments(message: Message, sources: Sequence[Attachment]) -> list[Attachment]:
    """Attachments of other messages, attached to ``message`` as well (a forward); inline
    images of a mail's HTML stay behind."""
    return _attach(message, [a for a in sources if not a.inline])
