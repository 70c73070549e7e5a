"""The SLA beat as a team lead meets it: warnings and breaches once each, in opening hours, and a
pass that costs what is due, not what is open."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from hub.business_time import build
from hub.models import EventKind, RoutingRule, SlaClock, SlaState, Ticket, TicketEvent, TicketStatus
from hub.routing import cache
from hub.sla import beat
from hub.sla.choose import Policy
from hub.sla.clocks import Clocks, save
from hub.tests.factories import TicketFactory
from hub.webhooks import outbox

pytestmark = pytest.mark.django_db(transaction=True)

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = build("Europe/Berlin", {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")})
OFFICE_POLICY = Policy(
    id=0, name="Büro", enabled=True, calendar=OFFICE, targets={"first_response": {"2": 120}}, tests=(), reads_team=False
)


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BERLIN)


def measured(at: datetime, policy: Policy = OFFICE_POLICY, **fields: Any) -> Ticket:
    """A ticket whose first customer message came at ``at``, its clocks started and saved."""
    ticket = TicketFactory.create(created_at=at, status=TicketStatus.OPEN, **fields)
    ledger = Clocks(ticket, [], policy)
    ledger.created(at)
    names = ledger.summarize()
    save([ledger])
    Ticket.objects.filter(pk=ticket.pk).update(**{name: getattr(ticket, name) for name in names})
    return ticket


def sla_events(ticket: Ticket) -> list[tuple[str, str]]:
    rows = TicketEvent.objects.filter(ticket=ticket, kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACHED])
    return list(rows.order_by("pk").values_list("kind", "data__target"))


def test_a_ticket_that_came_in_at_five_pm_pages_nobody_at_night_and_warns_then_breaches_next_morning() -> None:
    ticket = measured(berlin(7, 17))

    assert beat.run(now=berlin(7, 23, 59)) == 0
    assert beat.run(now=berlin(8, 9, 35)) == 0
    assert beat.run(now=berlin(8, 9, 36)) == 1
    assert beat.run(now=berlin(8, 9, 50)) == 0
    assert beat.run(now=berlin(8, 10)) == 1
    assert beat.run(now=berlin(9, 10)) == 0

    assert sla_events(ticket) == [("sla_warning", "first_response"), ("sla_breached", "first_response")]
    clock = SlaClock.objects.get(ticket=ticket)
    assert (clock.warned_at, clock.breached_at) == (berlin(8, 9, 36), berlin(8, 10))
    ticket.refresh_from_db()
    assert ticket.sla_state == SlaState.BREACHED and ticket.sla_check_at is None


def test_a_breach_found_before_its_warning_fires_alone() -> None:
    ticket = measured(berlin(7, 17))

    assert beat.run(now=berlin(8, 11)) == 1  # the beat was down all morning

    assert sla_events(ticket) == [("sla_breached", "first_response")]
    assert beat.run(now=berlin(8, 12)) == 0


def test_the_escalation_rules_run_once_on_the_breach() -> None:
    RoutingRule.objects.create(
        name="Eskalation",
        triggers=["sla_breached"],
        actions=[{"type": "set_priority", "value": "urgent"}, {"type": "add_tags", "value": ["eskaliert"]}],
    )
    RoutingRule.objects.create(
        name="Vorwarnung", triggers=["sla_warning"], actions=[{"type": "add_tags", "value": ["knapp"]}]
    )
    ticket = measured(berlin(7, 17))

    beat.run(now=berlin(8, 9, 40))
    beat.run(now=berlin(8, 10, 5))
    beat.run(now=berlin(8, 10, 10))

    ticket.refresh_from_db()
    assert ticket.priority == 4
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["eskaliert", "knapp"]
    routed = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ROUTED).values_list("data__rule", flat=True)
    assert sorted(routed) == ["rule «Eskalation»: priority urgent; tags +eskaliert", "rule «Vorwarnung»: tags +knapp"]


def test_a_pass_costs_queries_for_the_tickets_that_are_due_not_for_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(2):
        measured(berlin(7, 9))
    cache.current()  # the rule set, loaded once per process
    monkeypatch.setattr(outbox, "KEEP_SECONDS", 3600.0)
    outbox.listeners()  # the webhooks, read once per process every two seconds
    with CaptureQueriesContext(connection) as few:
        assert beat.run(now=berlin(7, 10, 40)) == 2  # warnings
    for _ in range(40):
        measured(berlin(7, 10, 30))  # open, measured, nothing due yet
    for _ in range(2):
        measured(berlin(7, 9))

    with CaptureQueriesContext(connection) as many:
        assert beat.run(now=berlin(7, 10, 40)) == 2

    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.postgres(reason="two passes in parallel threads need PostgreSQL's row locks (SKIP LOCKED)")
def test_two_passes_at_once_fire_every_warning_once() -> None:
    tickets = [measured(berlin(7, 9)) for _ in range(30)]
    counts: list[int] = []

    def one_pass() -> None:
        try:
            counts.append(beat.run(now=berlin(7, 10, 40)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 30
    assert TicketEvent.objects.filter(kind=EventKind.SLA_WARNING).count() == 30
    assert beat.run(now=berlin(7, 10, 41)) == 0
    assert {t.pk for t in tickets} == set(TicketEvent.objects.values_list("ticket_id", flat=True))


@pytest.mark.postgres(reason="the plan of PostgreSQL's partial index on the next check")
def test_the_pass_finds_what_is_due_by_the_partial_index() -> None:
    measured(berlin(7, 9))
    query = Ticket.objects.filter(sla_check_at__lte=berlin(7, 10)).order_by("sla_check_at").values("pk")[:1000]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a small table would be scanned; the plan's shape matters
        plan = query.explain()
        cursor.execute("RESET enable_seqscan")

    assert "ticket_sla_check" in plan
