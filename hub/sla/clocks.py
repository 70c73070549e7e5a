"""A ticket's SLA clocks through its life, in memory; loaded and written in bulk by the callers.

One ``Clocks`` per ticket holds its clocks (one per target) and its policy. What happens to the
ticket is told in order (``created``, ``customer_wrote``, ``agent_replied``, ``status_changed``,
``retarget``), each changing the clocks in memory with business-time arithmetic only;
``summarize`` then sets the ticket's own SLA fields, and ``save`` writes every changed clock of
any number of tickets with one statement. So a message, a reply or a status change costs the
same few queries however many clocks it moves.

The rules:
- First response and resolution start with the ticket's first customer message; next response
  starts when the customer writes after an agent's public reply (``customer_wrote``), unless a
  next response is already awaited or the message is older than the last answer.
- An agent's public reply meets first and next response; solving or closing meets every clock
  (resolution keeps what it had left, so a reopened ticket resumes it).
- Pending and on hold pause the running clocks with the business time they had left; back to
  new or open, they run again from there.
- A change of priority or policy keeps the business time a clock has used and gives it the new
  target (targets the new policy leaves out stop; met ones stay for reports).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Value, When
from django.utils import timezone

from hub import events
from hub.business_time import ALWAYS, Calendar, NeverOpen
from hub.models import Agent, Direction, SlaClock, SlaOutcome, SlaPolicy, SlaState, SlaTarget, Ticket, TicketStatus
from hub.sla.choose import Policy

log = logging.getLogger(__name__)

FIRST, NEXT, RESOLUTION = SlaTarget.FIRST_RESPONSE, SlaTarget.NEXT_RESPONSE, SlaTarget.RESOLUTION
RUNNING = (SlaState.OK, SlaState.WARNING, SlaState.BREACHED)
DONE = (TicketStatus.SOLVED, TicketStatus.CLOSED)
WAITING = (TicketStatus.PENDING, TicketStatus.ON_HOLD)
# Worst first: the ticket's ``sla_state`` is the worst of its running clocks.
_RANK = {SlaState.BREACHED: 0, SlaState.WARNING: 1, SlaState.OK: 2}
# What a clock's row holds besides its key (the upsert writes these).
CLOCK_FIELDS = (
    "state",
    "started_at",
    "minutes",
    "due_at",
    "warn_at",
    "paused_at",
    "remaining",
    "warned_at",
    "breached_at",
    "met_at",
)
# The ticket's fields ``summarize`` sets.
TICKET_FIELDS = ("sla_due_at", "sla_state", "sla_check_at", "first_response_due", "resolution_due")


def back(calendar: Calendar, end: datetime, amount: timedelta) -> datetime:
    """The instant ``amount`` of business time before ``end`` (the inverse of ``add``)."""
    if amount <= timedelta(0) or calendar.always_open:
        return end - max(amount, timedelta(0))
    # Business time is never more than wall time: step back until enough lies between, then
    # walk forward over the surplus.
    step = amount
    for _ in range(40):
        start = end - step
        found = calendar.between(start, end)
        if found >= amount:
            return calendar.add(start, found - amount)
        step *= 2
    raise NeverOpen(f"no business time in the years before {end.isoformat()}")


def shift(calendar: Calendar, at: datetime, amount: timedelta) -> datetime:
    """``at`` plus ``amount`` of business time (minus, when negative)."""
    try:
        return calendar.add(at, amount) if amount >= timedelta(0) else back(calendar, at, -amount)
    except NeverOpen:
        log.error("an SLA calendar has no business time near %s; counted in calendar time", at.isoformat())
        return ALWAYS.add(at, amount) if amount >= timedelta(0) else at + amount


def left(calendar: Calendar, at: datetime, due: datetime) -> timedelta:
    """Business time from ``at`` until ``due``; negative when ``due`` has passed."""
    return calendar.between(at, due) if due >= at else -calendar.between(due, at)


def warning_percent() -> int:
    return int(settings.SLA_WARNING_AT_PERCENT)


class Clocks:
    """The clocks of one ticket, changed in memory; ``dirty`` and ``dropped`` say what to write."""

    def __init__(self, ticket: Ticket, rows: Iterable[SlaClock], policy: Policy | None) -> None:
        self.ticket = ticket
        self.by_target: dict[str, SlaClock] = {row.target: row for row in rows}
        self.policy = policy
        self.dirty: set[str] = set()
        self.dropped: list[int] = []
        self.percent = warning_percent()

    @property
    def calendar(self) -> Calendar:
        return self.policy.calendar if self.policy is not None else ALWAYS

    # -- the pieces ------------------------------------------------------------------------

    def _running(self, clock: SlaClock | None) -> bool:
        return clock is not None and clock.state in RUNNING and clock.due_at is not None

    def _schedule(self, clock: SlaClock, at: datetime, remaining: timedelta) -> None:
        """Run ``clock`` from ``at`` with ``remaining`` business time left (negative: overdue)."""
        calendar = self.calendar
        clock.due_at = shift(calendar, at, remaining)
        if clock.warned_at is None and self.percent < 100:
            lead = timedelta(minutes=clock.minutes) * (100 - self.percent) / 100
            clock.warn_at = shift(calendar, at, remaining - lead)
        else:
            clock.warn_at = None
        clock.state = SlaState.BREACHED if clock.breached_at else SlaState.WARNING if clock.warned_at else SlaState.OK
        clock.paused_at, clock.remaining, clock.met_at = None, None, None
        self.dirty.add(clock.target)

    def _pause(self, clock: SlaClock, at: datetime, remaining: timedelta | None = None) -> None:
        if remaining is None:
            assert clock.due_at is not None
            remaining = left(self.calendar, at, clock.due_at)
        clock.state, clock.paused_at, clock.remaining = SlaState.PAUSED, at, remaining
        clock.due_at, clock.warn_at, clock.met_at = None, None, None
        self.dirty.add(clock.target)

    def _run_or_pause(self, clock: SlaClock, at: datetime, remaining: timedelta) -> None:
        """Paused while the ticket waits on the customer or is on hold, else running."""
        if self.ticket.status in WAITING:
            self._pause(clock, at, remaining)
        else:
            self._schedule(clock, at, remaining)

    def _meet(self, clock: SlaClock, at: datetime) -> None:
        remaining = clock.remaining
        if self._running(clock):
            assert clock.due_at is not None
            remaining = left(self.calendar, at, clock.due_at)
            if at > clock.due_at and clock.breached_at is None:
                clock.breached_at = clock.due_at  # met late before the beat saw it: no event now
        clock.state, clock.met_at, clock.remaining = SlaState.MET, at, remaining
        clock.due_at, clock.warn_at, clock.paused_at = None, None, None
        self.dirty.add(clock.target)

    def _start(self, target: str, since: datetime, at: datetime, minutes: int) -> None:
        """A fresh clock for ``target`` measuring from ``since`` (up to ``at``, time already used)."""
        clock = self.by_target.get(target)
        if clock is None:
            clock = self.by_target[target] = SlaClock(ticket=self.ticket, target=target)
        since = min(since, at)
        clock.started_at, clock.minutes = since, minutes
        clock.warned_at = clock.breached_at = clock.met_at = None
        self._run_or_pause(clock, at, timedelta(minutes=minutes) - self.calendar.between(since, at))

    def _minutes(self, target: str) -> int | None:
        return self.policy.minutes(target, self.ticket.priority) if self.policy is not None else None

    def _last_answer(self) -> datetime | None:
        """When the customer last got an answer: the latest response clock met."""
        return max((c.met_at for t in (FIRST, NEXT) if (c := self.by_target.get(t)) and c.met_at), default=None)

    # -- what happens to the ticket -------------------------------------------------------

    def created(self, at: datetime) -> None:
        """The ticket's first customer message, at ``at``: first response and resolution start
        (paused when a rule set the new ticket pending; none for one it closed, such as spam)."""
        if self.ticket.status in DONE:
            return
        for target in (FIRST, RESOLUTION):
            minutes = self._minutes(target)
            if minutes is not None and target not in self.by_target:
                self._start(target, at, at, minutes)

    def customer_wrote(self, at: datetime, now: datetime) -> None:
        """A customer's message at ``at``: next response starts if an answer came before it."""
        minutes = self._minutes(NEXT)
        if minutes is None or self.ticket.first_response_at is None:
            return  # waiting for the first response, whose clock runs already
        current = self.by_target.get(NEXT)
        if current is not None and current.state != SlaState.MET:
            return  # the customer is waiting for the next response already
        answered = self._last_answer()
        if answered is not None and at <= answered:
            return  # an agent's reply is newer than this message
        self._start(NEXT, at, now, minutes)

    def agent_replied(self, at: datetime) -> None:
        """An agent's public reply (not a note) meets first and next response."""
        for target in (FIRST, NEXT):
            clock = self.by_target.get(target)
            if clock is not None and clock.state != SlaState.MET:
                self._meet(clock, at)

    def status_changed(self, previous: str, status: str, at: datetime) -> None:
        if previous == status:
            return
        if status in DONE and previous not in DONE:
            for clock in self.by_target.values():
                if clock.state != SlaState.MET:
                    self._meet(clock, at)
        elif previous in DONE and status not in DONE:
            resolution = self.by_target.get(RESOLUTION)
            if resolution is not None and resolution.state == SlaState.MET and resolution.remaining is not None:
                self._run_or_pause(resolution, at, resolution.remaining)
        elif status in WAITING and previous not in WAITING:
            for clock in self.by_target.values():
                if self._running(clock):
                    self._pause(clock, at)
        elif previous in WAITING and status not in WAITING:
            for clock in self.by_target.values():
                if clock.state == SlaState.PAUSED:
                    self._schedule(clock, at, clock.remaining or timedelta(0))

    def retarget(self, policy: Policy | None, at: datetime) -> None:
        """The ticket's priority or policy changed: each clock keeps the time it used and gets
        its new target; targets the policy leaves out stop. A target that starts to be measured
            counts from when it would have started (a priority raised into a target) if a policy
            measured the ticket before, else from ``at``: nothing was promised before that."""
        before, measured = self.calendar, self.policy is not None
        self.policy = policy
        for target in SlaTarget.values:
            minutes = self._minutes(target)
            clock = self.by_target.get(target)
            if clock is None:
                if minutes is not None:
                    self._start_late(target, minutes, at, at if not measured else None)
                continue
            if minutes is None:
                self._end(clock)
                continue
            delta = timedelta(minutes=minutes - clock.minutes)
            clock.minutes = minutes
            self.dirty.add(target)
            if self._running(clock):
                assert clock.due_at is not None
                self._schedule(clock, at, left(before, at, clock.due_at) + delta)
            elif clock.remaining is not None and (clock.state == SlaState.PAUSED or target == RESOLUTION):
                clock.remaining += delta

    def _start_late(self, target: str, minutes: int, at: datetime, since: datetime | None) -> None:
        """Start ``target`` on a ticket already under way, if the customer waits for it."""
        t = self.ticket
        if t.status in DONE:
            return
        if target in (FIRST, RESOLUTION):
            if target == RESOLUTION or t.first_response_at is None:
                self._start(target, since or t.created_at, at, minutes)
        elif t.first_response_at is not None and t.last_message_direction == Direction.INBOUND:
            waiting = t.last_customer_message_at
            if waiting is not None and waiting > (self._last_answer() or t.first_response_at):
                self._start(target, since or waiting, at, minutes)

    def _end(self, clock: SlaClock) -> None:
        """The target is not measured any more: an unfinished clock goes, unless it breached
        (kept, stopped, for reports); a met one stays."""
        if clock.state == SlaState.MET:
            return
        if clock.breached_at is None:
            self._drop(clock)
            return
        clock.state, clock.due_at, clock.warn_at, clock.paused_at = SlaState.BREACHED, None, None, None
        self.dirty.add(clock.target)

    def _drop(self, clock: SlaClock) -> None:
        del self.by_target[clock.target]
        self.dirty.discard(clock.target)
        if clock.pk is not None:
            self.dropped.append(clock.pk)

    def stop(self) -> None:
        """No policy measures the ticket any more: its unfinished clocks go, met ones stay."""
        for clock in list(self.by_target.values()):
            self._end(clock)
        self.policy = None

    # -- the ticket's own fields -----------------------------------------------------------

    def summarize(self) -> list[str]:
        """Set the ticket's earliest due time, worst state, next check and due columns; the fields."""
        t = self.ticket
        clocks = list(self.by_target.values())
        running = [c for c in clocks if self._running(c)]
        t.sla_due_at = min((c.due_at for c in running if c.due_at), default=None)
        if running:
            t.sla_state = min((c.state for c in running), key=lambda s: _RANK[SlaState(s)])
        elif any(c.state == SlaState.PAUSED for c in clocks):
            t.sla_state = SlaState.PAUSED
        elif any(c.state == SlaState.BREACHED for c in clocks):  # stopped unmet: it stays breached
            t.sla_state = SlaState.BREACHED
        elif clocks:
            t.sla_state = SlaState.MET
        else:
            t.sla_state = ""
        checks = [c.warn_at for c in running if c.warned_at is None and c.breached_at is None and c.warn_at]
        checks += [c.due_at for c in running if c.breached_at is None and c.due_at is not None]
        t.sla_check_at = min(checks, default=None)
        first, resolution = self.by_target.get(FIRST), self.by_target.get(RESOLUTION)
        t.first_response_due = first.due_at if first is not None and self._running(first) else None
        t.resolution_due = resolution.due_at if resolution is not None and self._running(resolution) else None
        return list(TICKET_FIELDS)

    def rows(self) -> list[SlaClock]:
        """The changed clocks as new rows for the upsert (the ticket must be saved by now)."""
        rows = []
        for target in sorted(self.dirty):
            clock = self.by_target[target]
            row = SlaClock(ticket_id=self.ticket.pk, target=target)
            for name in CLOCK_FIELDS:
                setattr(row, name, getattr(clock, name))
            rows.append(row)
        return rows


def load(tickets: Iterable[Ticket]) -> dict[int, list[SlaClock]]:
    """The clocks of ``tickets`` (saved ones), by ticket id: one query."""
    pks = sorted({t.pk for t in tickets if t.pk is not None})
    found: dict[int, list[SlaClock]] = {pk: [] for pk in pks}
    if pks:
        for clock in SlaClock.objects.filter(ticket_id__in=pks):
            found[clock.ticket_id].append(clock)
    return found


def save(ledgers: Iterable[Clocks]) -> None:
    """Write the changed clocks of every ticket with one upsert (and one DELETE for dropped ones)."""
    rows: list[SlaClock] = []
    dropped: list[int] = []
    for ledger in ledgers:
        rows += ledger.rows()
        dropped += ledger.dropped
        ledger.dirty.clear()
        ledger.dropped = []
    if dropped:
        SlaClock.objects.filter(pk__in=dropped).delete()
    if rows:
        SlaClock.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["ticket", "target"], update_fields=list(CLOCK_FIELDS)
        )
        keep_outcomes(rows)


def keep_outcomes(clocks: Iterable[SlaClock]) -> None:
    """Record the outcome of each decided run among ``clocks`` (met, or breached), one upsert:
    ``SlaOutcome`` outlives the clock's next start. A run undecided again (a reopened ticket's
    resolution runs on) keeps its last outcome until it is decided anew."""
    decided = [
        SlaOutcome(
            ticket_id=c.ticket_id, target=c.target, started_at=c.started_at, met_at=c.met_at, breached_at=c.breached_at
        )
        for c in clocks
        if c.met_at is not None or c.breached_at is not None
    ]
    if decided:
        SlaOutcome.objects.bulk_create(
            decided,
            update_conflicts=True,
            unique_fields=["ticket", "target", "started_at"],
            update_fields=["met_at", "breached_at"],
        )


def policy_reason(policy: Policy | None, reason: str) -> str:
    return f"{policy.name}: {reason}" if policy is not None and reason else reason


def assign(ledger: Clocks, policy: Policy | None, *, fixed: bool | None = None) -> list[str]:
    """Set the policy on the ledger and its ticket, changing no clock; the ticket's fields."""
    ticket = ledger.ticket
    fields = []
    pk = policy.id if policy is not None else None
    if ticket.sla_policy_id != pk:
        ticket.sla_policy_id = pk
        fields.append("sla_policy_id")
    if fixed is not None:
        ticket.sla_policy_fixed = fixed
        fields.append("sla_policy_fixed")
    ledger.policy = policy
    return fields


def switch(ledger: Clocks, policy: Policy | None, *, at: datetime, fixed: bool | None = None) -> list[str]:
    """Measure the ledger's ticket by ``policy`` from ``at``; the ticket's fields that changed."""
    before = ledger.policy
    fields = assign(ledger, policy, fixed=fixed)
    ledger.policy = before  # ``retarget`` counts the time used on the calendar of the old one
    if policy is None:
        ledger.stop()
    else:
        ledger.retarget(policy, at)
    return fields


def set_policy(ticket: Ticket, policy: SlaPolicy | None, *, actor: Agent | None) -> Ticket:
    """``hub.actions.sla.do_set_ticket_sla_policy``: see there."""
    from hub.sla.hooks import policies_now, save_ticket

    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update(no_key=True, of=("self",))
            .select_related("customer__organization")
            .get(pk=ticket.pk)
        )
        policies = policies_now()
        now = timezone.now()
        ledger = Clocks(locked, load([locked])[locked.pk], policies.get(locked.sla_policy_id))
        if policy is None:
            locked.sla_policy_fixed = False
            chosen, reason = policies.choose(locked, locked.customer)
        else:
            chosen, reason = policies.get(policy.pk), "set by hand"
        fields = switch(ledger, chosen, at=now, fixed=policy is not None)
        events.sla_policy_set(
            ticket=locked,
            actor=actor,
            policy_id=chosen.id if chosen else None,
            name=chosen.name if chosen else "",
            reason=reason,
        )
        save_ticket(ledger, fields)
        for name in ("sla_policy_id", "sla_policy_fixed", "version", "updated_at", *TICKET_FIELDS):
            setattr(ticket, name, getattr(locked, name))
    return ticket


def forget_policy(policy_id: int) -> None:
    """A policy is deleted: the open tickets it measured stop being measured (bulk, in the caller's
    transaction). Met clocks stay for reports."""
    from hub.models.tickets import OPEN_STATUSES

    measured = Ticket.objects.filter(sla_policy_id=policy_id)
    SlaClock.objects.filter(ticket__in=measured.values("pk"), breached_at=None).exclude(state=SlaState.MET).delete()
    # Breached clocks stay too, stopped: reports count the breach.
    SlaClock.objects.filter(ticket__in=measured.values("pk")).exclude(state=SlaState.MET).update(
        state=SlaState.BREACHED, due_at=None, warn_at=None, paused_at=None
    )
    kept = SlaClock.objects.filter(ticket=OuterRef("pk"))
    measured.filter(status__in=OPEN_STATUSES).update(
        sla_due_at=None,
        sla_check_at=None,
        sla_state=Case(
            When(Exists(kept.filter(state=SlaState.BREACHED)), then=Value(SlaState.BREACHED)),
            When(Exists(kept), then=Value(SlaState.MET)),
            default=Value(""),
        ),
        first_response_due=None,
        resolution_due=None,
    )
