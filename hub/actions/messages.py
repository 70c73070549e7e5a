from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from hub import events, realtime
from hub.channels import get_adapter
from hub.models import DeliveryStatus, Direction, Draft, Message, MessageKind, Ticket, TicketStatus
from hub.models.teams import Agent
from hub.pipeline.store import touch_ticket
from hub.text import clean_text


class SendConflict(Exception):
    """Newer messages arrived since the agent last looked; the send is held (UX.md, section 6)."""

    def __init__(self, newer: list[Message]) -> None:
        super().__init__(f"{len(newer)} newer message(s) on the ticket")
        self.newer = newer


class ChannelUnavailable(ValueError):
    pass


@dataclass(frozen=True)
class ReplyChannel:
    key: str
    usable: bool
    reason: str


def default_reply_channel(ticket: Ticket) -> str:
    """The channel of the customer's latest message, else the channel the ticket came in on."""
    latest = (
        Message.objects.filter(ticket=ticket, direction=Direction.INBOUND)
        .order_by("-created_at", "-id")
        .values_list("channel", flat=True)
        .first()
    )
    return latest or ticket.origin_channel


def _check_conflict(ticket: Ticket, agent: Agent, seen_message_id: int | None) -> None:
    if seen_message_id is None:
        return
    newer = list(
        Message.objects.filter(ticket=ticket, pk__gt=seen_message_id)
        .exclude(kind=MessageKind.SYSTEM)
        .exclude(author_agent=agent)
        .order_by("pk")
    )
    if newer:
        raise SendConflict(newer)


def _existing(ticket: Ticket, client_id: str | None) -> Message | None:
    if not client_id:
        return None
    return Message.objects.filter(ticket=ticket, client_id=client_id).first()


def do_reply(
    ticket: Ticket,
    *,
    agent: Agent,
    text: str,
    html: str = "",
    channel: str | None = None,
    client_id: str | None = None,
    seen_message_id: int | None = None,
    status: str | None = None,
    metadata: dict[str, object] | None = None,
) -> Message:
    """Queue an agent's reply on the ticket's channel (or ``channel``); delivery runs after commit.

    Idempotent per ``client_id``: the same key again returns the first message. With
    ``seen_message_id`` the send is held with SendConflict if others wrote since.
    """
    earlier = _existing(ticket, client_id)
    if earlier is not None:
        return earlier
    channel = channel or default_reply_channel(ticket)
    usable, reason = get_adapter(channel).can_reply(ticket.pk)
    if not usable:
        raise ChannelUnavailable(reason)
    try:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            _check_conflict(ticket, agent, seen_message_id)
            now = timezone.now()
            message = Message.objects.create(
                ticket=ticket,
                channel=channel,
                direction=Direction.OUTBOUND,
                kind=MessageKind.MESSAGE,
                author_agent=agent,
                sender=agent.name,
                subject=ticket.subject,
                text=clean_text(text),
                html=html,
                client_id=client_id,
                delivery_status=DeliveryStatus.QUEUED,
                metadata=metadata or {},
                created_at=now,
            )
            if ticket.first_response_at is None:
                ticket.first_response_at = now
                ticket.save(update_fields=["first_response_at"])
            if ticket.assignee_id is None:
                ticket.assignee = agent
                ticket.save(update_fields=["assignee"])
                events.assigned(ticket=ticket, actor=agent, assignee_id=agent.pk, previous_id=None)
            touch_ticket(ticket, message)
            events.replied(ticket=ticket, actor=agent, message_id=message.pk, channel=channel)
            Draft.objects.filter(ticket=ticket, agent=agent).delete()
            new_status = status or (TicketStatus.OPEN if ticket.status == TicketStatus.NEW else None)
            if new_status and new_status != ticket.status:
                from hub.actions.tickets import do_set_status

                do_set_status(ticket, new_status, actor=agent)
            realtime.ticket_changed(ticket, "message.added", message_id=message.pk)
            from hub.tasks import deliver

            deliver.delay_on_commit(message.pk)  # type: ignore[attr-defined]  # celery-types lacks it
    except IntegrityError:
        # A concurrent request with the same client_id won the race; answer with its message.
        found = _existing(ticket, client_id)
        if found is None:
            raise
        return found
    return message


def do_add_note(ticket: Ticket, *, agent: Agent, text: str, client_id: str | None = None) -> Message:
    earlier = _existing(ticket, client_id)
    if earlier is not None:
        return earlier
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = Message.objects.create(
            ticket=ticket,
            channel="internal",
            direction=Direction.OUTBOUND,
            kind=MessageKind.NOTE,
            author_agent=agent,
            sender=agent.name,
            text=clean_text(text),
            client_id=client_id,
            delivery_status=DeliveryStatus.SENT,
        )
        touch_ticket(ticket, message)
        events.note_added(ticket=ticket, actor=agent, message_id=message.pk)
        Draft.objects.filter(ticket=ticket, agent=agent).delete()
        realtime.ticket_changed(ticket, "message.added", message_id=message.pk)
    return message


def do_save_draft(ticket: Ticket, *, agent: Agent, text: str, mode: str = "reply") -> Draft | None:
    """Keep an agent's unsent text server-side; an empty text removes the draft."""
    if not text.strip():
        Draft.objects.filter(ticket=ticket, agent=agent).delete()
        return None
    draft, _ = Draft.objects.update_or_create(
        ticket=ticket,
        agent=agent,
        defaults={"text": clean_text(text), "mode": mode if mode in ("reply", "note") else "reply"},
    )
    return draft
