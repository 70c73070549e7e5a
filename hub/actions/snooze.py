"""Snoozing: a ticket put aside for a while waits as pending, and comes back open when its time
is up, unless a customer's reply or an agent moved it on meanwhile."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from hub.actions.tickets import do_set_status
from hub.models import Agent, Ticket, TicketSnooze, TicketStatus

# A week of snoozes per pass is far more than a minute brings; the rest wait for the next one.
WAKE_BATCH = 500


@transaction.atomic
def do_snooze(ticket: Ticket, until: datetime, *, actor: Agent | None) -> Ticket:
    """Set ``ticket`` pending until ``until`` (the status change lands in the timeline); a second
    snooze replaces the first."""
    do_set_status(ticket, TicketStatus.PENDING, actor=actor)
    TicketSnooze.objects.update_or_create(ticket=ticket, defaults={"until": until, "actor": actor})
    return ticket


def snooze_for(ticket: Ticket, minutes: int, *, actor: Agent | None) -> Ticket:
    return do_snooze(ticket, timezone.now() + timedelta(minutes=minutes), actor=actor)


def do_wake_snoozed(now: datetime | None = None) -> int:
    """Reopen the tickets whose snooze is over and still pending; drop the snoozes of tickets
    something else moved on. One ticket per transaction, each claimed by deleting its row, so
    two passes at once never wake one twice. Returns how many reopened."""
    now = now or timezone.now()
    woken = 0
    due = list(TicketSnooze.objects.filter(until__lte=now).order_by("until").values_list("pk", flat=True)[:WAKE_BATCH])
    for pk in due:
        with transaction.atomic():
            claimed = TicketSnooze.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if claimed is None:
                continue
            ticket = Ticket.objects.get(pk=claimed.ticket_id)
            claimed.delete()
            if ticket.status == TicketStatus.PENDING:
                do_set_status(ticket, TicketStatus.OPEN, actor=None)
                woken += 1
    return woken
