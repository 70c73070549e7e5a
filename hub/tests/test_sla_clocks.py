"""SLA clocks in business time, as a team with office hours meets them (no database needed).

The office: Monday to Friday 09:00–18:00 in Berlin. December 2026: Monday the 7th.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from hub.business_time import ALWAYS, build
from hub.models import SlaState, Ticket, TicketStatus
from hub.sla.choose import Policy
from hub.sla.clocks import Clocks, back, left

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = build("Europe/Berlin", {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")})


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BERLIN)


def policy(targets: dict[str, dict[str, int]], calendar: Any = OFFICE) -> Policy:
    return Policy(id=1, name="Büro", enabled=True, calendar=calendar, targets=targets, tests=(), reads_team=False)


def fresh(at: datetime, targets: dict[str, dict[str, int]], **kw: Any) -> Clocks:
    ticket = Ticket(pk=1, priority=kw.pop("priority", 2), status=kw.pop("status", TicketStatus.NEW), created_at=at)
    ledger = Clocks(ticket, [], policy(targets, **kw))
    ledger.created(at)
    ledger.summarize()
    return ledger


def local(moment: datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(BERLIN).strftime("%a %H:%M")


def test_a_mail_at_five_pm_is_due_next_morning_and_warns_in_opening_hours_not_at_midnight() -> None:
    ledger = fresh(berlin(7, 17), {"first_response": {"2": 120}})

    first = ledger.by_target["first_response"]
    assert local(first.due_at) == "Tue 10:00"  # one hour on Monday, one on Tuesday
    assert local(first.warn_at) == "Tue 09:36"  # 80 % of 120 business minutes
    assert ledger.ticket.sla_check_at == first.warn_at and ledger.ticket.sla_due_at == first.due_at


@override_settings(SLA_WARNING_AT_PERCENT=50)
def test_the_warning_comes_at_the_configured_share_of_the_target() -> None:
    ledger = fresh(berlin(7, 17), {"first_response": {"2": 120}})

    assert local(ledger.by_target["first_response"].warn_at) == "Mon 18:00"  # 60 minutes: closing time


def test_a_pause_keeps_the_business_time_that_was_left_and_resumes_with_it() -> None:
    ledger = fresh(berlin(7, 16), {"first_response": {"2": 120}, "resolution": {"2": 960}})
    ledger.ticket.status = TicketStatus.PENDING

    ledger.status_changed(TicketStatus.OPEN, TicketStatus.PENDING, berlin(7, 17))  # one hour used

    first = ledger.by_target["first_response"]
    assert first.state == SlaState.PAUSED and first.remaining == timedelta(minutes=60) and first.due_at is None
    assert ledger.by_target["resolution"].remaining == timedelta(hours=15)
    ledger.summarize()
    assert ledger.ticket.sla_state == SlaState.PAUSED and ledger.ticket.sla_check_at is None

    ledger.ticket.status = TicketStatus.OPEN
    ledger.status_changed(TicketStatus.PENDING, TicketStatus.OPEN, berlin(9, 15, 30))  # Wednesday afternoon

    assert first.state == SlaState.OK and local(first.due_at) == "Wed 16:30"
    resolution = ledger.by_target["resolution"]
    assert local(resolution.due_at) == "Fri 12:30"  # 2.5 h Wednesday, 9 h Thursday, 3.5 h Friday


def test_a_pause_over_the_weekend_costs_no_business_time() -> None:
    ledger = fresh(berlin(11, 17, 30), {"first_response": {"2": 60}})  # Friday
    ledger.ticket.status = TicketStatus.ON_HOLD
    ledger.status_changed(TicketStatus.NEW, TicketStatus.ON_HOLD, berlin(11, 17, 45))
    ledger.ticket.status = TicketStatus.OPEN

    ledger.status_changed(TicketStatus.ON_HOLD, TicketStatus.OPEN, berlin(14, 8))  # Monday before opening

    assert local(ledger.by_target["first_response"].due_at) == "Mon 09:45"


def test_a_reply_meets_first_response_and_solving_meets_resolution_keeping_what_was_left() -> None:
    ledger = fresh(berlin(7, 9), {"first_response": {"2": 60}, "resolution": {"2": 480}})

    ledger.agent_replied(berlin(7, 9, 20))
    ledger.ticket.status = TicketStatus.SOLVED
    ledger.status_changed(TicketStatus.OPEN, TicketStatus.SOLVED, berlin(7, 12))

    first, resolution = ledger.by_target["first_response"], ledger.by_target["resolution"]
    assert (first.state, first.met_at, first.breached_at) == (SlaState.MET, berlin(7, 9, 20), None)
    assert resolution.state == SlaState.MET and resolution.remaining == timedelta(hours=5)
    ledger.summarize()
    assert ledger.ticket.sla_state == SlaState.MET and ledger.ticket.sla_due_at is None

    ledger.ticket.status = TicketStatus.OPEN
    ledger.status_changed(TicketStatus.SOLVED, TicketStatus.OPEN, berlin(8, 16))  # reopened Tuesday

    assert resolution.state == SlaState.OK and resolution.met_at is None
    assert local(resolution.due_at) == "Wed 12:00"  # 2 h Tuesday, 3 h Wednesday


def test_a_reply_after_the_due_time_records_the_breach_it_was() -> None:
    ledger = fresh(berlin(7, 9), {"first_response": {"2": 60}})

    ledger.agent_replied(berlin(7, 11))

    first = ledger.by_target["first_response"]
    assert first.state == SlaState.MET and first.breached_at == berlin(7, 10)


def test_a_higher_priority_keeps_the_time_used_and_takes_the_new_target() -> None:
    targets = {"resolution": {"2": 480, "4": 300}}
    ledger = fresh(berlin(7, 9), targets)
    ledger.ticket.priority = 4

    ledger.retarget(ledger.policy, berlin(7, 13))  # four hours used

    resolution = ledger.by_target["resolution"]
    assert resolution.minutes == 300 and local(resolution.due_at) == "Mon 14:00"


def test_a_target_the_new_priority_leaves_out_stops_and_one_it_adds_starts_from_the_ticket() -> None:
    targets = {"first_response": {"4": 30}, "resolution": {"2": 480}}
    ledger = fresh(berlin(7, 9), targets)
    assert set(ledger.by_target) == {"resolution"}
    ledger.ticket.priority = 4

    ledger.retarget(ledger.policy, berlin(7, 9, 10))

    assert set(ledger.by_target) == {"first_response"}
    assert local(ledger.by_target["first_response"].due_at) == "Mon 09:30"  # counted from the first mail


def test_next_response_starts_only_when_the_customer_writes_after_an_answer() -> None:
    ledger = fresh(berlin(7, 9), {"first_response": {"2": 60}, "next_response": {"2": 30}})
    ledger.customer_wrote(berlin(7, 9, 5), berlin(7, 9, 5))
    assert "next_response" not in ledger.by_target  # still waiting for the first answer

    ledger.agent_replied(berlin(7, 9, 30))
    ledger.ticket.first_response_at = berlin(7, 9, 30)
    ledger.customer_wrote(berlin(7, 9, 25), berlin(7, 9, 31))  # written before the answer, arrived late
    assert "next_response" not in ledger.by_target

    ledger.customer_wrote(berlin(7, 10), berlin(7, 10))
    ledger.customer_wrote(berlin(7, 10, 20), berlin(7, 10, 20))  # again, before the next answer

    assert local(ledger.by_target["next_response"].due_at) == "Mon 10:30"


def test_the_ticket_shows_its_worst_running_state_and_its_earliest_due_time() -> None:
    ledger = fresh(berlin(7, 9), {"first_response": {"2": 60}, "resolution": {"2": 480}})
    first, resolution = ledger.by_target["first_response"], ledger.by_target["resolution"]
    resolution.warned_at, resolution.state = berlin(7, 15), SlaState.WARNING
    first.breached_at, first.state = first.due_at, SlaState.BREACHED

    ledger.summarize()

    assert ledger.ticket.sla_state == SlaState.BREACHED
    assert ledger.ticket.sla_due_at == first.due_at
    assert ledger.ticket.sla_check_at == resolution.due_at  # the only event still to come


@pytest.mark.parametrize(
    ("end", "minutes"),
    [
        (berlin(8, 10), 90),  # back over the night: Monday 17:30
        (berlin(14, 9, 30), 60),  # back over the weekend: Friday 17:30
        (berlin(7, 12), 0),
        (datetime(2026, 3, 30, 10, tzinfo=BERLIN), 600),  # back over the change to summer time
    ],
)
def test_going_back_in_business_time_is_the_inverse_of_going_forward(end: datetime, minutes: int) -> None:
    amount = timedelta(minutes=minutes)

    start = back(OFFICE, end, amount)

    assert OFFICE.add(start, amount) == end.astimezone(UTC)
    assert left(OFFICE, start, end) == amount and left(OFFICE, end, start) == -amount
    assert back(ALWAYS, end, amount) == end - amount
