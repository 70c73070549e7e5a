"""Timer rules, run by the beat every minute: each fires once per ticket and waiting period.

``no_agent_reply`` (N business minutes of the ticket's team since the customer's last message,
which no agent has answered yet: the ticket's last message is the customer's) and
``waiting_on_customer`` (N days since the last message of a pending ticket). A firing is
claimed by inserting its ``TimerFiring`` row (rule, ticket, the moment waited from) before the
rule runs, so two beats, or a task run twice, apply it once; the customer writing again starts
a new period, and the timer can fire again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hub.models import Direction, Ticket, TicketStatus, TimerFiring
from hub.routing import cache
from hub.routing.engine import Compiled, RuleSet

log = logging.getLogger(__name__)
# Tickets one rule looks at per run; the rest wait for the next minute.
PER_RUN = 500


def _candidates(rule: Compiled, now: datetime) -> tuple[list[Ticket], str]:
    timer = rule.timer
    assert timer is not None
    fired = TimerFiring.objects.filter(rule_id=rule.id, ticket=OuterRef("pk"))
    if timer.kind == "no_agent_reply":
        assert timer.minutes is not None
        # Business minutes are never fewer than wall-clock ones: this bounds the query.
        query = Ticket.objects.filter(
            status__in=(TicketStatus.NEW, TicketStatus.OPEN),
            last_message_direction=Direction.INBOUND,
            last_customer_message_at__lte=now - timedelta(minutes=timer.minutes),
        ).exclude(Exists(fired.filter(since=OuterRef("last_customer_message_at"))))
        return list(query.order_by("last_customer_message_at")[:PER_RUN]), "last_customer_message_at"
    assert timer.days is not None
    query = Ticket.objects.filter(
        status=TicketStatus.PENDING, last_activity_at__lte=now - timedelta(days=timer.days)
    ).exclude(Exists(fired.filter(since=OuterRef("last_activity_at"))))
    return list(query.order_by("last_activity_at")[:PER_RUN]), "last_activity_at"


def _due(rules: RuleSet, rule: Compiled, ticket: Ticket, since: datetime, now: datetime) -> bool:
    timer = rule.timer
    assert timer is not None
    if timer.kind == "no_agent_reply":
        assert timer.minutes is not None
        return rules.hours_of(ticket.team_id).add_minutes(since, timer.minutes) <= now
    return True


def run_due(now: datetime | None = None) -> int:
    """Fire every timer rule whose time has come on a ticket; how many firings were claimed."""
    from hub.actions.routing import do_run_rules

    now = now or timezone.now()
    rules = cache.current()
    fired = 0
    for rule in rules.timed:
        if rule.id is None:
            continue  # a draft (dry run): never stored, never fired
        tickets, field = _candidates(rule, now)
        for ticket in tickets:
            since = getattr(ticket, field)
            if since is None or not _due(rules, rule, ticket, since, now):
                continue
            try:
                with transaction.atomic():
                    TimerFiring.objects.create(rule_id=rule.id, ticket=ticket, since=since)
                    do_run_rules(ticket=ticket, trigger=f"timer:{rule.timer.kind if rule.timer else ''}", rules=[rule])
            except IntegrityError:
                continue  # another run claimed it first
            fired += 1
    if fired:
        log.info("routing timers: %s firings", fired)
    return fired
