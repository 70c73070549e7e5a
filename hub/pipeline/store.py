from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils import timezone

from hub.adapters import InboundAttachment, Interaction, UnknownChannel, get_adapter
from hub.models import Attachment, Customer, Direction, InboundEvent, Message, MessageKind, Ticket, TicketStatus
from hub.notifications import plain
from hub.text import attachment_preview, clean_filename, clean_text, preview, title

REOPENING = (TicketStatus.PENDING, TicketStatus.SOLVED, TicketStatus.ON_HOLD)


def new_ticket(interaction: Interaction, customer: Customer) -> Ticket:
    """The ticket an interaction opens, in memory: the caller inserts it (with its list fields)."""
    now = timezone.now()
    return Ticket(
        subject=clean_text(interaction.subject)[:300] or title(interaction.text),
        customer=customer,
        origin_channel=interaction.channel,
        language=interaction.language or customer.language,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )


def _digest(item: InboundAttachment) -> str:
    if item.spooled is None:
        return hashlib.sha256(item.content).hexdigest()
    digest, spooled = hashlib.sha256(), item.spooled
    spooled.seek(0)
    while piece := spooled.read(1 << 20):
        digest.update(piece)
    return digest.hexdigest()


def _attachment(message: Message, item: InboundAttachment) -> Attachment:
    """An unsaved Attachment whose file is in storage: written now, or the same bytes found.

    A spooled attachment (``InboundAttachment.spooled``) is hashed and stored in pieces, so a
    20 MB file never has to be in memory at all.
    """
    attachment = Attachment(
        message=message,
        filename=clean_filename(item.filename)[:255] or "attachment",
        content_type=item.content_type[:255] or "application/octet-stream",
        size=item.size,
        sha256=_digest(item),
        inline=item.inline,
        content_id=item.content_id[:255],
    )
    name = attachment.file.field.generate_filename(attachment, item.filename)
    # Same bytes, same file: a logo in every signature is stored once. With the file system
    # storage this is a stat, cheaper than a query for the hash; a remote storage would want
    # the hash looked up in the database instead.
    if default_storage.exists(name):
        attachment.file.name = name
    else:
        content = ContentFile(item.content) if item.spooled is None else File(item.spooled, name="attachment")
        attachment.file.save(item.filename or "attachment", content, save=False)
    return attachment


def new_attachments(message: Message, items: tuple[InboundAttachment, ...]) -> list[Attachment]:
    """The message's attachments, unsaved, their files in storage: the caller inserts them in bulk."""
    return [_attachment(message, item) for item in items]


def new_message(ticket: Ticket, interaction: Interaction, customer: Customer, event: InboundEvent) -> Message:
    """The inbound message, in memory, on ``ticket`` (which may not be saved yet either)."""
    return Message(
        ticket=ticket,
        channel=interaction.channel,
        direction=Direction.INBOUND,
        kind=interaction.kind,
        author_customer=customer,
        sender=interaction.display_name[:320],
        subject=clean_text(interaction.subject)[:300],
        text=clean_text(interaction.text),
        html=clean_text(interaction.html),
        quoted_text=clean_text(interaction.quoted_text),
        external_id=interaction.external_id[:998] or None,
        thread_key=interaction.thread.session[:200],
        inbound_event=event,
        metadata=interaction.metadata,
        created_at=interaction.received_at or timezone.now(),
    )


def take_message(
    ticket: Ticket, message: Message, interaction: Interaction, *, created: bool = False
) -> tuple[list[str], str | None]:
    """Bring the ticket's list fields and status up to date for an inbound message, in memory.

    Returns the fields to save and, when the message reopened the ticket, its previous status.
    A person writing again reopens a pending or solved ticket; an auto-reply does not. A ticket
    this message ``created`` is not reopened: its status is the one routing just gave it (a
    rule that solves spam on arrival).
    """
    fields = touched_fields(ticket, message)
    if not ticket.last_message_preview and interaction.attachments:
        ticket.last_message_preview = attachment_preview([a.filename for a in interaction.attachments])
    if created or interaction.automatic or ticket.status not in REOPENING:
        return fields, None
    previous = ticket.status
    ticket.status = TicketStatus.OPEN
    ticket.solved_at = None
    return [*fields, "status", "solved_at"], previous


# The ticket's denormalized list fields that every new message moves.
LIST_FIELDS = (
    "last_activity_at",
    "updated_at",
    "last_message_preview",
    "last_message_channel",
    "last_message_direction",
    "last_message_kind",
    "message_count",
    "version",
)


def show_last_message(ticket: Ticket, message: Message | None) -> None:
    """Set the list row's preview fields from ``message`` (cleared for none), in memory."""
    ticket.last_message_preview = _preview_of(message) if message else ""
    ticket.last_message_channel = message.channel if message else ""
    ticket.last_message_direction = message.direction if message else ""
    ticket.last_message_kind = message.kind if message else ""


def _preview_of(message: Message) -> str:
    """The message's text; a saved message that is only files names them ("📎 foto.png"): a reply's
    attachments are at hand (``known_attachments``), any other costs one query. An inbound one,
    not saved yet, is named after its interaction's files by ``take_message``."""
    if message.text.strip() or message.pk is None:
        # A note's mentions read as "@Anna Schmidt", not as their stored token.
        return preview(plain(message.text) if message.kind == MessageKind.NOTE else message.text, 200)
    names = [a.filename for a in message.attachments.all()]
    return attachment_preview(names) if names else ""


def touch_ticket(ticket: Ticket, message: Message) -> None:
    """Update the ticket's list fields for a new message, in one UPDATE."""
    ticket.save(update_fields=touched_fields(ticket, message))


def touched_fields(ticket: Ticket, message: Message) -> list[str]:
    """Set the ticket's list fields for a new message in memory; the fields to save."""
    now = timezone.now()
    ticket.last_activity_at = max(message.created_at, ticket.last_activity_at)
    ticket.updated_at = now
    show_last_message(ticket, message)
    ticket.message_count += 1
    ticket.version += 1
    fields = [*LIST_FIELDS]
    if message.direction == Direction.INBOUND:
        ticket.last_customer_message_at = message.created_at
        fields.append("last_customer_message_at")
    return fields


def tell_channels(messages: list[Message]) -> None:
    """Each channel's ``on_stored`` with its own messages of a batch, in arrival order.

    In the pipeline's transaction: a channel's effects (a bounce failing a reply) commit or roll
    back with the messages; what goes outside (an acknowledgement) is queued after commit.
    """
    by_channel: dict[str, list[Message]] = {}
    for message in messages:
        by_channel.setdefault(message.channel, []).append(message)
    for channel, group in by_channel.items():
        try:
            adapter = get_adapter(channel)
        except UnknownChannel:
            continue  # a channel that is not installed here has nothing to add
        adapter.on_stored(group)
