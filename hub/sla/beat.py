"""The SLA beat: warnings and breaches, once per clock, when their business-time moment comes.

Every running clock has its warning and due instants computed in its policy's business time
when it starts, pauses or resumes (``hub.sla.clocks``), so a calendar that closes at 18:00 puts
them inside opening hours and nobody is paged at midnight. The ticket keeps the earliest of
them in ``sla_check_at``, which a partial index holds only for tickets with something to come:
a pass reads the due tickets from that index (no scan of the open tickets) and costs time in
proportion to the clocks that change state.

Each ticket is taken in a transaction of its own with its row locked (``SKIP LOCKED``: a ticket
a reply or another pass holds waits for the next pass). A warning or breach is claimed with a
conditional UPDATE of its clock (``warned_at`` / ``breached_at`` still empty), so it fires once
even if two passes read the same clock; the timeline event and the rules for ``sla_warning``
/ ``sla_breached`` (``hub.actions.routing.do_run_rules``: notify, reassign, raise priority)
follow the claim in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from hub import events, realtime
from hub.models import SlaClock, SlaState, Ticket
from hub.models.routing import Trigger
from hub.sla.clocks import TICKET_FIELDS, Clocks, load

log = logging.getLogger(__name__)
# Tickets one pass takes; the rest are the next pass's (a minute later), earliest first.
PER_PASS = 1000


def due_tickets(now: datetime, limit: int = PER_PASS) -> list[int]:
    """The tickets with a warning or breach due by ``now``, earliest first (the partial index)."""
    query = Ticket.objects.filter(sla_check_at__lte=now).order_by("sla_check_at")
    return list(query.values_list("pk", flat=True)[:limit])


def run(now: datetime | None = None) -> int:
    """One pass: every warning and breach due by ``now``; how many fired."""
    now = now or timezone.now()
    fired = 0
    for pk in due_tickets(now):
        try:
            fired += check(pk, now)
        except Exception:
            log.exception("SLA beat: ticket %s failed; it is tried again next pass", pk)
    if fired:
        log.info("SLA beat: %s warnings and breaches", fired)
    return fired


def _claim_breach(clock: SlaClock, now: datetime) -> bool:
    claimed = SlaClock.objects.filter(
        pk=clock.pk, breached_at__isnull=True, due_at=clock.due_at, state__in=(SlaState.OK, SlaState.WARNING)
    ).update(breached_at=clock.due_at, state=SlaState.BREACHED, warned_at=Coalesce(F("warned_at"), now))
    if claimed:
        clock.breached_at, clock.state, clock.warned_at = clock.due_at, SlaState.BREACHED, clock.warned_at or now
    return bool(claimed)


def _claim_warning(clock: SlaClock, now: datetime) -> bool:
    claimed = SlaClock.objects.filter(pk=clock.pk, warned_at__isnull=True, state=SlaState.OK).update(
        warned_at=now, state=SlaState.WARNING
    )
    if claimed:
        clock.warned_at, clock.state = now, SlaState.WARNING
    return bool(claimed)


def check(pk: int, now: datetime) -> int:
    """Fire what is due on one ticket, write its next check; how many fired."""
    from hub.actions.routing import do_run_rules

    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=pk, sla_check_at__lte=now)
            .first()
        )
        if ticket is None:
            return 0  # held by someone else, or its clocks changed meanwhile
        ledger = Clocks(ticket, load([ticket])[pk], None)
        fired: list[tuple[str, SlaClock]] = []
        for clock in ledger.by_target.values():
            if clock.state not in (SlaState.OK, SlaState.WARNING) or clock.due_at is None:
                continue
            # A breach that is due claims the warning too: "at risk" after the fact is noise.
            if clock.breached_at is None and clock.due_at <= now:
                if _claim_breach(clock, now):
                    fired.append((Trigger.SLA_BREACHED, clock))
            elif (
                clock.warned_at is None
                and clock.warn_at is not None
                and clock.warn_at <= now
                and _claim_warning(clock, now)
            ):
                fired.append((Trigger.SLA_WARNING, clock))
        ledger.summarize()
        ticket.updated_at = timezone.now()
        changed = {name: getattr(ticket, name) for name in TICKET_FIELDS}
        bump = {"version": F("version") + 1, "updated_at": ticket.updated_at} if fired else {}
        Ticket.objects.filter(pk=pk).update(**changed, **bump)
        if not fired:
            return 0
        ticket.refresh_from_db(fields=["version"])
        for trigger, clock in fired:
            record = events.sla_breached if trigger == Trigger.SLA_BREACHED else events.sla_warning
            record(ticket=ticket, target=clock.target, due_at=clock.due_at.isoformat() if clock.due_at else "")
        realtime.ticket_changed(ticket, "ticket.updated")
        for trigger in dict.fromkeys(t for t, _ in fired):
            try:
                with transaction.atomic():
                    do_run_rules(ticket=ticket, trigger=trigger)
            except Exception:
                # The event stands (it happened); a rule that failed is logged, not retried.
                log.exception("SLA beat: the %s rules failed on ticket %s", trigger, pk)
    return len(fired)
