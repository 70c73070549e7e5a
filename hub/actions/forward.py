"""Forwarding a message, or a whole conversation, by email to someone outside it.

A forward is an internal message (kind note: never shown or sent to the customer) that the
email channel delivers to the addresses given, with the forwarded text quoted below the
agent's words and the original files attached. The timeline shows it as a note naming whom
it went to; it starts a mail thread of its own (no In-Reply-To to the customer's mail).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from hub import events, realtime
from hub.actions.uploads import copy_attachments
from hub.models import Attachment, DeliveryStatus, Direction, Message, MessageKind, Ticket
from hub.models.teams import Agent
from hub.pipeline.store import touch_ticket
from hub.text import clean_text

CHANNEL = "email"


class NothingToForward(ValueError):
    pass


def forwardable(ticket: Ticket, message_id: int | None) -> list[Message]:
    """The messages a forward quotes: the one named, or the conversation (no notes, no system
    lines), oldest first; only the ticket's own."""
    found = (
        Message.objects.filter(ticket=ticket)
        .exclude(kind__in=[MessageKind.NOTE, MessageKind.SYSTEM])
        .select_related("author_agent__user", "author_customer")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    if message_id is not None:
        found = found.filter(pk=message_id)
    return list(found)


def _who(message: Message) -> str:
    if message.author_agent is not None:
        return message.author_agent.name
    return message.sender or (str(message.author_customer) if message.author_customer else "")


def quoted(messages: Sequence[Message]) -> str:
    """The forwarded messages as mail programs quote a forward: a header block, then the text."""
    blocks = []
    for m in messages:
        head = [
            _("---------- Forwarded message ----------"),
            _("From: %(sender)s") % {"sender": _who(m)},
            _("Date: %(date)s") % {"date": formats.date_format(timezone.localtime(m.created_at), "DATETIME_FORMAT")},
        ]
        if m.subject:
            head.append(_("Subject: %(subject)s") % {"subject": m.subject})
        files = [a.filename for a in m.attachments.all() if not a.inline]
        if files:
            head.append(_("Attachments: %(names)s") % {"names": ", ".join(files)})
        blocks.append("\n".join(head) + "\n\n" + (m.text or "").strip())
    return "\n\n".join(blocks)


def do_forward(
    ticket: Ticket,
    *,
    agent: Agent,
    to: Sequence[str],
    text: str = "",
    message_id: int | None = None,
    client_id: str | None = None,
) -> Message:
    """Forward ``message_id`` (or the whole conversation) by email to ``to``, with ``text``
    above it; delivery runs after commit. Idempotent per ``client_id``. NothingToForward when
    the ticket has no such message."""
    if client_id:
        earlier = Message.objects.filter(ticket=ticket, client_id=client_id).first()
        if earlier is not None:
            return earlier
    messages = forwardable(ticket, message_id)
    if not messages:
        raise NothingToForward(_("There is nothing to forward."))
    own = clean_text(text).strip()
    subject = messages[-1].subject or ticket.subject
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = Message.objects.create(
            ticket=ticket,
            channel=CHANNEL,
            direction=Direction.OUTBOUND,
            kind=MessageKind.NOTE,
            author_agent=agent,
            sender=agent.name,
            subject=subject,
            text=f"{own}\n\n{quoted(messages)}" if own else quoted(messages),
            client_id=client_id,
            delivery_status=DeliveryStatus.QUEUED,
            metadata={
                "forward": {"message": message_id, "note": own, "count": len(messages)},
                "to": list(to),
                "subject": _("Fwd: %(subject)s") % {"subject": subject},
            },
        )
        sources: list[Attachment] = [a for m in messages for a in m.attachments.all()]
        copy_attachments(message, sources)
        touch_ticket(ticket, message)
        events.note_added(ticket=ticket, actor=agent, message_id=message.pk)
        realtime.ticket_changed(ticket, "message.added", message_id=message.pk)
        from hub.tasks import deliver

        deliver.delay_on_commit(message.pk)  # type: ignore[attr-defined]  # celery-types lacks it
    return message
