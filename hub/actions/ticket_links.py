"""Linking related tickets, and merging a ticket into another: its messages and tags move, it
closes, and both timelines say so."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from hub import events, realtime
from hub.actions.split import _refresh_list_fields
from hub.actions.tickets import do_set_status
from hub.models import Agent, LinkKind, Message, Ticket, TicketLink, TicketSnooze, TicketStatus


class LinkError(ValueError):
    pass


def _pair(a: Ticket, b: Ticket) -> Q:
    return Q(ticket=a, other=b) | Q(ticket=b, other=a)


def merged_into(ticket: Ticket) -> int | None:
    """The ticket ``ticket`` was merged into, if it was."""
    return TicketLink.objects.filter(ticket=ticket, kind=LinkKind.MERGED).values_list("other_id", flat=True).first()


@transaction.atomic
def do_link_tickets(ticket: Ticket, other: Ticket, *, actor: Agent | None) -> TicketLink:
    """Mark two tickets as related; both timelines record it. Linking them again changes nothing."""
    if ticket.pk == other.pk:
        raise LinkError("a ticket cannot be linked to itself")
    existing = TicketLink.objects.filter(_pair(ticket, other)).first()
    if existing is not None:
        return existing
    low, high = sorted((ticket, other), key=lambda t: t.pk)
    link = TicketLink.objects.create(ticket=low, other=high, kind=LinkKind.RELATED, actor=actor)
    events.tickets_linked(ticket=ticket, actor=actor, other_id=other.pk, linked=True)
    events.tickets_linked(ticket=other, actor=actor, other_id=ticket.pk, linked=True)
    realtime.ticket_changed(ticket, "ticket.updated")
    realtime.ticket_changed(other, "ticket.updated")
    return link


@transaction.atomic
def do_unlink_tickets(ticket: Ticket, other: Ticket, *, actor: Agent | None) -> None:
    """Drop the relation between two tickets (a merge stays); both timelines record it."""
    deleted, _ = TicketLink.objects.filter(_pair(ticket, other), kind=LinkKind.RELATED).delete()
    if not deleted:
        return
    events.tickets_linked(ticket=ticket, actor=actor, other_id=other.pk, linked=False)
    events.tickets_linked(ticket=other, actor=actor, other_id=ticket.pk, linked=False)
    realtime.ticket_changed(ticket, "ticket.updated")
    realtime.ticket_changed(other, "ticket.updated")


@transaction.atomic
def do_merge_tickets(source: Ticket, target: Ticket, *, actor: Agent | None) -> Ticket:
    """Move ``source``'s messages and tags to ``target``, close ``source`` and point it at
    ``target``. A ticket merged away cannot be merged again, nor anything merged into it."""
    if source.pk == target.pk:
        raise LinkError("a ticket cannot be merged into itself")
    # Both rows locked in id order: two merges of the same pair cannot interleave or deadlock.
    locked = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")}
    source, target = locked[source.pk], locked[target.pk]
    if TicketLink.objects.filter(ticket__in=[source, target], kind=LinkKind.MERGED).exists():
        raise LinkError("one of these tickets has already been merged into another")
    moved = Message.objects.filter(ticket=source).update(ticket=target)
    target.tags.add(*source.tags.all())
    TicketSnooze.objects.filter(ticket=source).delete()
    TicketLink.objects.filter(_pair(source, target)).delete()
    TicketLink.objects.create(ticket=source, other=target, kind=LinkKind.MERGED, actor=actor)
    events.ticket_merged(ticket=source, actor=actor, other_id=target.pk, into=True, messages=moved)
    events.ticket_merged(ticket=target, actor=actor, other_id=source.pk, into=False, messages=moved)
    _refresh_list_fields(source)
    _refresh_list_fields(target)
    do_set_status(source, TicketStatus.CLOSED, actor=actor)
    realtime.ticket_changed(target, "ticket.updated")
    return target
