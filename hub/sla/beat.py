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

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from hub import events, realtime, sql
from hub.models import SlaClock, SlaState, Ticket
from hub.models.routing import Trigger
from hub.routing import cache
from hub.sla.clocks import TICKET_FIELDS, Clocks, keep_outcomes, load

log = logging.getLogger(__name__)
# Tickets one pass takes; the rest are the next pass's (a minute later), earliest first.
PER_PASS = 1000
# Tickets taken together in one transaction.
CHUNK = 100


def due_tickets(now: datetime, limit: int = PER_PASS) -> list[int]:
    """The tickets with a warning or breach due by ``now``, earliest first (the partial index)."""
    query = Ticket.objects.filter(sla_check_at__lte=now).order_by("sla_check_at")
    return list(query.values_list("pk", flat=True)[:limit])


def run(now: datetime | None = None) -> int:
    """One pass: every warning and breach due by ``now``; how many fired."""
    now = now or timezone.now()
    fired = 0
    due = due_tickets(now)
    for start in range(0, len(due), CHUNK):
        chunk = due[start : start + CHUNK]
        try:
            fired += check(chunk, now)
        except Exception:
            log.exception("SLA beat: tickets %s… failed; they are tried again next pass", chunk[:3])
    if fired:
        log.info("SLA beat: %s warnings and breaches", fired)
    return fired


def _claimable(ledger: Clocks, now: datetime) -> list[tuple[str, SlaClock]]:
    """What is due on one ticket: a breach (which takes its warning along: "at risk" after the
    fact is noise), else a warning, per running clock."""
    found: list[tuple[str, SlaClock]] = []
    for clock in ledger.by_target.values():
        if clock.state not in (SlaState.OK, SlaState.WARNING) or clock.due_at is None:
            continue
        if clock.breached_at is None and clock.due_at <= now:
            found.append((Trigger.SLA_BREACHED, clock))
        elif clock.warned_at is None and clock.warn_at is not None and clock.warn_at <= now:
            found.append((Trigger.SLA_WARNING, clock))
    return found


def _claim(wanted: list[tuple[str, SlaClock]], now: datetime) -> set[int]:
    """Claim the clocks with conditional UPDATEs (still unwarned, unbreached): the ids claimed.

    Those still open are read and locked first, then updated: a clock another pass (or a reply)
    got to first is not among them, so nothing fires twice.
    """
    breaches = [c.pk for t, c in wanted if t == Trigger.SLA_BREACHED]
    warnings = [c.pk for t, c in wanted if t == Trigger.SLA_WARNING]
    claimed: set[int] = set()
    if breaches:
        open_ones = SlaClock.objects.filter(
            pk__in=breaches, breached_at__isnull=True, due_at__lte=now, state__in=(SlaState.OK, SlaState.WARNING)
        )
        ids = set(open_ones.select_for_update().values_list("pk", flat=True))
        SlaClock.objects.filter(pk__in=ids, breached_at__isnull=True).update(
            breached_at=F("due_at"), state=SlaState.BREACHED, warned_at=Coalesce(F("warned_at"), now)
        )
        claimed |= ids
    if warnings:
        open_ones = SlaClock.objects.filter(pk__in=warnings, warned_at__isnull=True, state=SlaState.OK)
        ids = set(open_ones.select_for_update().values_list("pk", flat=True))
        SlaClock.objects.filter(pk__in=ids, warned_at__isnull=True).update(warned_at=now, state=SlaState.WARNING)
        claimed |= ids
    for trigger, clock in wanted:
        if clock.pk not in claimed:
            continue
        if trigger == Trigger.SLA_BREACHED:
            clock.breached_at, clock.state = clock.due_at, SlaState.BREACHED
            clock.warned_at = clock.warned_at or now
        else:
            clock.warned_at, clock.state = now, SlaState.WARNING
    keep_outcomes(c for t, c in wanted if c.pk in claimed and t == Trigger.SLA_BREACHED)
    return claimed


def _write(tickets: list[Ticket], fired: set[int]) -> None:
    """The tickets' SLA fields (and, for those where something fired, a new version): one UPDATE."""
    stamp = timezone.now()
    for ticket in tickets:
        if ticket.pk in fired:
            ticket.version += 1
            ticket.updated_at = stamp
    fields = [*TICKET_FIELDS, "version", "updated_at"]
    if len(tickets) > 1 and connection.vendor == "postgresql":
        statement, params = sql.update_from_arrays(Ticket, tickets, fields)
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
        return
    for ticket in tickets:
        ticket.save(update_fields=fields)


def check(pks: list[int], now: datetime) -> int:
    """Fire what is due on these tickets, write their next checks; how many fired.

    One transaction: the tickets locked (``SKIP LOCKED``: one a reply or another pass holds waits
    for the next pass), their clocks read, the claims, the tickets written, the timeline events
    inserted, each with one statement; then the rules for ``sla_warning`` / ``sla_breached``,
    per ticket and only when some rule runs on them.
    """
    from hub.actions import notifications as notify
    from hub.actions.routing import do_run_rules

    rules = cache.current()
    with transaction.atomic(), realtime.collected():
        tickets = list(
            Ticket.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
            .filter(pk__in=pks, sla_check_at__lte=now)
            .defer("history")
            .order_by("pk")
        )
        if not tickets:
            return 0
        clocks = load(tickets)
        ledgers = [Clocks(ticket, clocks[ticket.pk], None) for ticket in tickets]
        wanted = [(trigger, clock) for ledger in ledgers for trigger, clock in _claimable(ledger, now)]
        claimed = _claim(wanted, now) if wanted else set()
        for ledger in ledgers:
            ledger.summarize()
        fired = [(trigger, clock) for trigger, clock in wanted if clock.pk in claimed]
        by_ticket: dict[int, list[str]] = {}
        for trigger, clock in fired:
            by_ticket.setdefault(clock.ticket_id, []).append(trigger)
        _write(tickets, set(by_ticket))
        with events.batched():
            for trigger, clock in fired:
                record = events.sla_breached if trigger == Trigger.SLA_BREACHED else events.sla_warning
                due_at = clock.due_at.isoformat() if clock.due_at else ""
                record(ticket=next(t for t in tickets if t.pk == clock.ticket_id), target=clock.target, due_at=due_at)
        for ticket in tickets:
            if ticket.pk in by_ticket:
                realtime.ticket_changed(ticket, "ticket.updated")
        # The assignees hear of the warnings (a breach is the list's and the reports' business).
        notify.sla_warned(t for t in tickets if Trigger.SLA_WARNING in by_ticket.get(t.pk, ()))
        for ticket in tickets:
            for trigger in dict.fromkeys(by_ticket.get(ticket.pk, ())):
                if not rules.rules_for(trigger):
                    continue
                try:
                    with transaction.atomic():
                        do_run_rules(ticket=ticket, trigger=trigger)
                except Exception:
                    # The event stands (it happened); a rule that failed is logged, not retried.
                    log.exception("SLA beat: the %s rules failed on ticket %s", trigger, ticket.pk)
    return len(fired)
