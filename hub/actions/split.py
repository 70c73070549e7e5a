"""Moving a message to another ticket, or splitting it off into a new one.

Threading can be wrong (a customer answers an old mail about something new, two people share
one address); agents then fix the conversation by hand. The message keeps its id, channel and
external id, so later replies to it thread into the ticket it now belongs to.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from hub import events, realtime
from hub.models import Agent, Direction, Message, MessageKind, Ticket, TicketStatus
from hub.pipeline.store import LIST_FIELDS, show_last_message
from hub.sla import hooks as sla


class MoveError(ValueError):
    pass


def _refresh_list_fields(ticket: Ticket) -> None:
    """Recompute the ticket's denormalized list fields from the messages it holds now."""
    messages = Message.objects.filter(ticket=ticket).exclude(kind=MessageKind.SYSTEM)
    latest = messages.order_by("-created_at", "-id").first()
    ticket.message_count = messages.count()
    ticket.last_customer_message_at = messages.filter(direction=Direction.INBOUND).aggregate(at=Max("created_at"))["at"]
    if latest is not None:
        ticket.last_activity_at = latest.created_at
    show_last_message(ticket, latest)
    ticket.updated_at = timezone.now()
    ticket.version += 1
    ticket.save(update_fields=[*LIST_FIELDS, "last_customer_message_at"])


@transaction.atomic
def do_move_message(message: Message, target: Ticket, *, actor: Agent | None) -> Message:
    """Move ``message`` (with its attachments) to ``target``; both timelines record it."""
    source = Ticket.objects.select_for_update().get(pk=message.ticket_id)
    target = Ticket.objects.select_for_update().get(pk=target.pk)
    if source.pk == target.pk:
        raise MoveError("the message is already on this ticket")
    if message.kind == MessageKind.SYSTEM:
        raise MoveError("system messages belong to their ticket")
    Message.objects.filter(pk=message.pk).update(ticket=target)
    message.ticket = target
    events.message_moved(ticket=target, actor=actor, message_id=message.pk, from_ticket_id=source.pk)
    events.message_moved_out(ticket=source, actor=actor, message_id=message.pk, to_ticket_id=target.pk)
    _refresh_list_fields(source)
    _refresh_list_fields(target)
    realtime.ticket_changed(source, "ticket.updated")
    realtime.ticket_changed(target, "message.added", message_id=message.pk)
    return message


@transaction.atomic
def do_split_message(message: Message, *, actor: Agent | None) -> Ticket:
    """Open a new ticket for ``message`` (same customer, team and channel) and move it there."""
    source = Ticket.objects.select_for_update().get(pk=message.ticket_id)
    if message.kind == MessageKind.SYSTEM:
        raise MoveError("system messages belong to their ticket")
    now = timezone.now()
    ticket = Ticket.objects.create(
        subject=message.subject or source.subject,
        customer=message.author_customer or source.customer,
        team=source.team,
        priority=source.priority,
        origin_channel=message.channel,
        status=TicketStatus.OPEN,
        language=source.language,
        created_at=now,
        updated_at=now,
        last_activity_at=message.created_at,
    )
    reason = f"split off from #{source.pk}"
    events.ticket_created(ticket=ticket, channel=message.channel, reason=reason)
    events.ticket_linked(ticket=ticket, linked_ticket_id=source.pk, reason=reason)
    events.ticket_linked(ticket=source, linked_ticket_id=ticket.pk, reason=f"message {message.pk} split off")
    do_move_message(message, ticket, actor=actor)
    # Measured by the policy a new ticket of the customer would get: a customer's message waits.
    sla.split_off(ticket, at=message.created_at, customer_waits=message.direction == Direction.INBOUND, actor=actor)
    realtime.ticket_changed(ticket, "ticket.created")
    return ticket
