"""Two agents answering one customer: a reply written before a colleague's went out is held
(``after_message_id``), even when the writer's timeline already showed the colleague's reply."""

from __future__ import annotations

import pytest

from hub.actions import SendConflict, do_add_note, do_reply, do_send_automatic
from hub.models import Direction, MessageKind, Team, Ticket
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(team: Team, fake_channel: FakeChannel) -> Ticket:
    ticket = TicketFactory.create(team=team, origin_channel="fake", subject="Lieferung")
    MessageFactory.create(ticket=ticket, channel="fake", text="Wo ist mein Paket?")
    return ticket


@pytest.fixture
def jana(team: Team):
    return AgentFactory.create(teams=[team], user__first_name="Jana", user__last_name="Roth")


def url(ticket: Ticket) -> str:
    return f"/api/v1/tickets/{ticket.pk}/reply/"


def replies(ticket: Ticket) -> list[str]:
    public = ticket.messages.filter(direction=Direction.OUTBOUND, kind=MessageKind.MESSAGE)
    return list(public.order_by("pk").values_list("text", flat=True))


def test_a_reply_begun_before_a_colleagues_reply_is_held_even_after_the_agent_saw_it(agent, jana, ticket):
    started = ticket.messages.get().pk
    theirs = do_reply(ticket, agent=jana, text="Ist heute rausgegangen.")

    with pytest.raises(SendConflict) as held:
        do_reply(ticket, agent=agent, text="Kommt morgen.", seen_message_id=theirs.pk, after_message_id=started)

    assert [m.pk for m in held.value.answered] == [theirs.pk]
    assert replies(ticket) == ["Ist heute rausgegangen."]


def test_a_colleagues_note_never_holds_a_reply(agent, jana, ticket):
    started = ticket.messages.get().pk
    note = do_add_note(ticket, agent=jana, text="Kunde ist VIP")

    sent = do_reply(ticket, agent=agent, text="Kommt morgen.", seen_message_id=note.pk, after_message_id=started)

    assert replies(ticket) == ["Kommt morgen."]
    assert sent.author_agent == agent


def test_the_agents_own_earlier_reply_does_not_hold_their_next_one(agent, ticket):
    started = ticket.messages.get().pk
    do_reply(ticket, agent=agent, text="Erster Teil.")

    do_reply(ticket, agent=agent, text="Zweiter Teil.", after_message_id=started)

    assert replies(ticket) == ["Erster Teil.", "Zweiter Teil."]


def test_an_automatic_message_to_the_customer_since_the_agent_began_holds_the_reply(agent, ticket):
    started = ticket.messages.get().pk
    auto = do_send_automatic(
        ticket_id=ticket.pk, kind="acknowledgement", subject="Eingang", text="Angekommen.", to="max@example.de"
    )
    assert auto is not None

    with pytest.raises(SendConflict) as held:
        do_reply(ticket, agent=agent, text="Kommt morgen.", after_message_id=started)

    assert [m.pk for m in held.value.newer] == [auto.pk]


def test_the_api_answers_409_with_the_colleagues_reply_and_sends_nothing(api_for, agent, jana, ticket, fake_channel):
    started = ticket.messages.get().pk
    theirs = do_reply(ticket, agent=jana, text="Ist heute rausgegangen.")

    response = api_for(agent).post(url(ticket), {"text": "Kommt morgen.", "after_message_id": started}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert [m["id"] for m in body["newer"]] == [theirs.pk]
    assert body["newer"][0]["text"] == "Ist heute rausgegangen."
    assert body["detail"].startswith("Jemand anderes hat dem Kunden geantwortet")
    assert replies(ticket) == ["Ist heute rausgegangen."]


def test_the_api_sends_when_the_agent_names_the_colleagues_reply_as_read(api_for, agent, jana, ticket):
    theirs = do_reply(ticket, agent=jana, text="Ist heute rausgegangen.")

    response = api_for(agent).post(url(ticket), {"text": "Ergänzung.", "after_message_id": theirs.pk}, format="json")

    assert response.status_code == 201
    assert replies(ticket) == ["Ist heute rausgegangen.", "Ergänzung."]


def test_the_api_schema_documents_after_message_id_and_the_held_answer(api_for, admin_agent):
    schema = api_for(admin_agent).get("/api/schema/", {"format": "json"}).json()

    reply = schema["paths"]["/api/v1/tickets/{id}/reply/"]["post"]
    ref = reply["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "after_message_id" in schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert "after_message_id" in reply["responses"]["409"]["description"]


def test_a_reply_without_after_message_id_is_sent_as_before(api_for, agent, jana, ticket):
    do_reply(ticket, agent=jana, text="Ist heute rausgegangen.")

    response = api_for(agent).post(url(ticket), {"text": "Noch etwas."}, format="json")

    assert response.status_code == 201
    assert replies(ticket) == ["Ist heute rausgegangen.", "Noch etwas."]
