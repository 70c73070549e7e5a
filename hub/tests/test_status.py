"""One status transition, whether an agent sets the status or a reply does."""

from __future__ import annotations

import pytest

from hub.actions import do_reply, do_set_status
from hub.models import Agent, EventKind, Team, Ticket, TicketStatus
from hub.tests.factories import MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(fake_channel: FakeChannel, team: Team) -> tuple[Ticket, Ticket]:
    made = []
    for _ in range(2):
        ticket = TicketFactory.create(origin_channel="fake", team=team, status=TicketStatus.OPEN)
        MessageFactory.create(ticket=ticket, text="Wo bleibt meine Bestellung?")
        made.append(ticket)
    return made[0], made[1]


def status_events(ticket: Ticket) -> list[tuple[str, str, int | None]]:
    return [
        (e.data["previous"], e.data["status"], e.actor_id)
        for e in ticket.events.filter(kind=EventKind.STATUS).order_by("pk")
    ]


def test_solving_by_reply_and_by_the_status_action_leave_the_same_ticket_and_timeline(
    tickets: tuple[Ticket, Ticket], agent: Agent
) -> None:
    by_reply, by_action = tickets

    do_reply(by_reply, agent=agent, text="Ist erledigt.", status=TicketStatus.SOLVED)
    do_set_status(by_action, TicketStatus.SOLVED, actor=agent)

    for ticket in (by_reply, by_action):
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.SOLVED and ticket.solved_at is not None
        assert status_events(ticket) == [("open", "solved", agent.pk)]


def test_closing_a_solved_ticket_keeps_its_solved_time_and_reopening_by_reply_clears_it(
    tickets: tuple[Ticket, Ticket], agent: Agent
) -> None:
    ticket, _ = tickets
    do_set_status(ticket, TicketStatus.SOLVED, actor=agent)
    ticket.refresh_from_db()
    solved_at = ticket.solved_at

    do_set_status(ticket, TicketStatus.CLOSED, actor=agent)
    do_set_status(ticket, TicketStatus.CLOSED, actor=agent)  # unchanged: nothing recorded
    ticket.refresh_from_db()
    assert solved_at is not None and ticket.solved_at == solved_at

    do_reply(ticket, agent=agent, text="Noch eine Frage?", status=TicketStatus.PENDING)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING and ticket.solved_at is None
    assert [e[:2] for e in status_events(ticket)] == [("open", "solved"), ("solved", "closed"), ("closed", "pending")]


def test_an_unknown_status_is_refused_on_both_paths(tickets: tuple[Ticket, Ticket], agent: Agent) -> None:
    ticket, _ = tickets

    with pytest.raises(ValueError, match="unknown status"):
        do_set_status(ticket, "archived", actor=agent)
    with pytest.raises(ValueError, match="unknown status"):
        do_reply(ticket, agent=agent, text="Hm.", status="archived")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and status_events(ticket) == []
