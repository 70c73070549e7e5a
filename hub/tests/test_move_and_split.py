"""Agents fix threading by hand: a message moves to another ticket or splits off into a new one."""

from __future__ import annotations

import pytest

from hub.models import Agent, EventKind, Message, Team, Ticket, TicketEvent, TicketStatus
from hub.pipeline import receive
from hub.tests.factories import MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db


def route(ticket: Ticket, message: Message, verb: str) -> str:
    return f"/api/v1/tickets/{ticket.pk}/messages/{message.pk}/{verb}/"


@pytest.fixture
def thread(team: Team) -> tuple[Ticket, Message, Message]:
    ticket = TicketFactory.create(team=team, subject="Lieferung")
    first = MessageFactory.create(ticket=ticket, text="Wo ist mein Paket?")
    second = MessageFactory.create(ticket=ticket, text="Und übrigens: meine Rechnung ist falsch.")
    ticket.message_count = 2
    ticket.save()
    return ticket, first, second


def test_a_message_split_off_opens_a_linked_ticket_for_the_same_customer(api_for, agent: Agent, thread) -> None:
    ticket, _, second = thread

    response = api_for(agent).post(route(ticket, second, "split"))

    assert response.status_code == 201, response.content
    new = Ticket.objects.get(pk=response.json()["id"])
    assert (new.customer_id, new.team_id, new.status) == (ticket.customer_id, ticket.team_id, TicketStatus.OPEN)
    assert list(new.messages.values_list("text", flat=True)) == ["Und übrigens: meine Rechnung ist falsch."]
    assert new.message_count == 1 and new.last_message_preview.startswith("Und übrigens")
    ticket.refresh_from_db()
    assert ticket.message_count == 1
    assert ticket.last_message_preview == "Wo ist mein Paket?"
    assert TicketEvent.objects.get(ticket=new, kind=EventKind.LINKED).data["linked_ticket_id"] == ticket.pk
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.MESSAGE_MOVED_OUT).data["to_ticket_id"] == new.pk


def test_a_message_moves_to_another_ticket_and_both_timelines_say_so(api_for, agent: Agent, team: Team, thread) -> None:
    ticket, _, second = thread
    target = TicketFactory.create(team=team, customer=ticket.customer, subject="Rechnung")

    response = api_for(agent).post(route(ticket, second, "move"), {"ticket": target.pk}, format="json")

    assert response.status_code == 200, response.content
    second.refresh_from_db()
    assert second.ticket_id == target.pk
    moved = TicketEvent.objects.get(ticket=target, kind=EventKind.MESSAGE_MOVED)
    assert (moved.data["message_id"], moved.data["from_ticket_id"], moved.actor) == (second.pk, ticket.pk, agent)
    target.refresh_from_db()
    assert target.message_count == 1


def test_a_message_cannot_be_moved_into_a_ticket_the_agent_cannot_see(
    api_for, agent: Agent, other_team: Team, thread
) -> None:
    ticket, _, second = thread
    foreign = TicketFactory.create(team=other_team)

    response = api_for(agent).post(route(ticket, second, "move"), {"ticket": foreign.pk}, format="json")

    assert response.status_code == 404
    second.refresh_from_db()
    assert second.ticket_id == ticket.pk


def test_a_message_of_another_ticket_is_not_found_under_this_one(api_for, agent: Agent, team: Team, thread) -> None:
    ticket, _, _ = thread
    elsewhere = MessageFactory.create(ticket=TicketFactory.create(team=team))

    assert api_for(agent).post(route(ticket, elsewhere, "split")).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_reply_to_a_moved_message_threads_into_its_new_ticket(fake_channel: FakeChannel, agent: Agent) -> None:
    from hub.actions import do_split_message

    receive("fake", "m-1", payload(message_id="<a@x>", subject="Paket"))
    receive("fake", "m-2", payload(message_id="<b@x>", in_reply_to=["<a@x>"], text="Neue Frage"))
    new_ticket = do_split_message(Message.objects.get(external_id="<b@x>"), actor=agent)

    answer, _ = receive("fake", "m-3", payload(message_id="<c@x>", in_reply_to=["<b@x>"], text="Nachtrag"))

    answer.refresh_from_db()
    assert answer.ticket_id == new_ticket.pk
