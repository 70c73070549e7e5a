"""Timer rules as a team lead meets them: waiting customers escalate, silent tickets close, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub import schedule
from hub.models import BusinessCalendar, Direction, EventKind, RoutingRule, Team, Ticket, TicketStatus
from hub.routing.timers import run_due
from hub.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

# A Monday, 10:00 in Berlin.
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def timer_rule(name: str, timer: dict[str, Any], actions: list[dict[str, Any]], **kw: Any) -> RoutingRule:
    return RoutingRule.objects.create(name=name, timer=timer, actions=actions, **kw)


def waiting(team: Team | None = None, since: datetime = MONDAY, **kw: Any) -> Ticket:
    """A ticket whose last message is the customer's, unanswered since ``since``."""
    return TicketFactory.create(
        team=team,
        status=kw.pop("status", TicketStatus.OPEN),
        last_message_direction=kw.pop("last_message_direction", Direction.INBOUND),
        last_customer_message_at=since,
        last_activity_at=since,
        **kw,
    )


def test_a_customer_waiting_past_the_limit_is_escalated_once(team: Team) -> None:
    timer_rule(
        "Eskalation",
        {"kind": "no_agent_reply", "minutes": 30},
        [{"type": "set_priority", "value": "urgent"}, {"type": "add_tags", "value": ["escalated"]}],
    )
    late, fresh = waiting(team), waiting(team, since=MONDAY + timedelta(minutes=20))

    assert run_due(now=MONDAY + timedelta(minutes=31)) == 1
    assert run_due(now=MONDAY + timedelta(minutes=32)) == 0  # the beat again: nothing twice

    late.refresh_from_db()
    fresh.refresh_from_db()
    assert (late.priority, fresh.priority) == (4, 2)
    assert list(late.tags.values_list("name", flat=True)) == ["escalated"]
    routed = late.events.filter(kind=EventKind.ROUTED).get()
    assert routed.data["rule"] == "rule «Eskalation»: priority urgent; tags +escalated"


def test_a_new_message_from_the_customer_starts_a_new_waiting_period(team: Team) -> None:
    timer_rule("Eskalation", {"kind": "no_agent_reply", "minutes": 30}, [{"type": "add_tags", "value": ["late"]}])
    ticket = waiting(team)
    run_due(now=MONDAY + timedelta(minutes=31))
    later = MONDAY + timedelta(hours=2)
    Ticket.objects.filter(pk=ticket.pk).update(last_customer_message_at=later, last_activity_at=later)

    assert run_due(now=later + timedelta(minutes=10)) == 0
    assert run_due(now=later + timedelta(minutes=31)) == 1
    assert ticket.events.filter(kind=EventKind.ROUTED).count() == 2


def test_an_answered_ticket_is_not_escalated(team: Team) -> None:
    timer_rule("Eskalation", {"kind": "no_agent_reply", "minutes": 30}, [{"type": "set_priority", "value": "high"}])
    waiting(team, last_message_direction=Direction.OUTBOUND)

    assert run_due(now=MONDAY + timedelta(hours=5)) == 0


def test_business_minutes_stop_counting_when_the_team_has_closed(team: Team) -> None:
    team.calendar = BusinessCalendar.objects.create(
        name="Büro", time_zone="Europe/Berlin", hours={"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]]}
    )
    team.save()
    timer_rule("Eskalation", {"kind": "no_agent_reply", "minutes": 30}, [{"type": "set_priority", "value": "high"}])
    evening = datetime(2026, 12, 7, 15, 50, tzinfo=UTC)  # 16:50 in Berlin: ten minutes left on Monday
    waiting(team, since=evening)

    assert run_due(now=evening + timedelta(hours=3)) == 0  # 19:50: still 20 business minutes to go
    assert run_due(now=datetime(2026, 12, 8, 8, 15, tzinfo=UTC)) == 0  # Tuesday 09:15
    assert run_due(now=datetime(2026, 12, 8, 8, 21, tzinfo=UTC)) == 1  # Tuesday 09:21


def test_a_pending_ticket_without_an_answer_for_days_is_solved_and_conditions_still_apply(team: Team) -> None:
    timer_rule(
        "Keine Rückmeldung",
        {"kind": "waiting_on_customer", "days": 3},
        [{"type": "set_status", "value": "solved"}],
        conditions=[{"field": "ticket.tags", "op": "not_contains", "value": "keep"}],
    )
    quiet = waiting(team, status=TicketStatus.PENDING, since=MONDAY - timedelta(days=4))
    kept = waiting(team, status=TicketStatus.PENDING, since=MONDAY - timedelta(days=4))
    kept.tags.create(name="keep")
    recent = waiting(team, status=TicketStatus.PENDING, since=MONDAY - timedelta(days=1))

    run_due(now=MONDAY)

    assert [Ticket.objects.get(pk=t.pk).status for t in (quiet, kept, recent)] == ["solved", "pending", "pending"]


def test_the_timer_task_runs_every_minute_in_every_process() -> None:
    entry = next(e for e in schedule.entries() if e.name == "routing-timers")
    assert (entry.task, entry.every) == ("hub.routing.tasks.run_timers", 60.0)
    assert "presence-away" in schedule.beat_schedule()
