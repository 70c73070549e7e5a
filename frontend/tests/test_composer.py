from __future__ import annotations

import json

import pytest

from hub.models import Draft, Message, MessageKind
from hub.tests.factories import MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ticket(team, agent, fake_channel: FakeChannel):
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="fake")
    MessageFactory.create(ticket=ticket, channel="fake", text="Wo bleibt meine Bestellung?")
    return ticket


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def post(client, ticket, text="Ist unterwegs.", **extra):
        data = {"text": text, "mode": "reply", "client_id": "c0ffee-0001", "seen_message_id": ticket.messages.last().pk}
        # Delivery is queued on commit; run those callbacks as a committed request would.
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/agent/t/{ticket.pk}/send/", data | extra, HTTP_HX_TARGET="composer-notice", **HX)

    return post


def test_a_reply_goes_out_through_the_channel_and_clears_the_draft(
    send, ticket, agent, client_for, fake_channel
) -> None:
    client = client_for(agent)
    client.post(f"/agent/t/{ticket.pk}/draft/", {"text": "Ist unterwegs.", "mode": "reply"})

    response = send(client, ticket)

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["hub:sent"]["ticket_id"] == ticket.pk
    assert [s["text"] for s in fake_channel.sent] == ["Ist unterwegs."]
    assert not Draft.objects.filter(ticket=ticket, agent=agent).exists()


def test_sending_twice_with_the_same_client_id_sends_once(send, ticket, agent, client_for, fake_channel) -> None:
    client = client_for(agent)

    send(client, ticket)
    send(client, ticket)

    assert len(fake_channel.sent) == 1
    assert ticket.messages.filter(direction="out").count() == 1


def test_newer_customer_messages_hold_the_send_and_keep_the_draft(
    send, ticket, agent, client_for, fake_channel
) -> None:
    client = client_for(agent)
    seen = ticket.messages.last().pk
    client.post(f"/agent/t/{ticket.pk}/draft/", {"text": "Ist unterwegs.", "mode": "reply"})
    MessageFactory.create(ticket=ticket, channel="fake", text="Hat sich erledigt, danke!")

    held = send(client, ticket, seen_message_id=seen)

    assert held.status_code == 409
    html = held.content.decode()
    assert "Hat sich erledigt, danke!" in html and "Trotzdem senden" in html
    assert fake_channel.sent == []
    assert Draft.objects.get(ticket=ticket, agent=agent).text == "Ist unterwegs."

    forced = send(client, ticket, seen_message_id=seen, force="1")

    assert forced.status_code == 200
    assert [s["text"] for s in fake_channel.sent] == ["Ist unterwegs."]


def test_a_note_stays_internal(send, ticket, agent, client_for, fake_channel) -> None:
    response = send(client_for(agent), ticket, text="Kunde ist VIP", mode="note")

    assert response.status_code == 200
    assert fake_channel.sent == []
    assert Message.objects.get(ticket=ticket, kind=MessageKind.NOTE).text == "Kunde ist VIP"


def test_an_empty_send_is_refused_without_side_effects(send, ticket, agent, client_for, fake_channel) -> None:
    response = send(client_for(agent), ticket, text="   ")

    assert response.status_code == 422
    assert fake_channel.sent == []


def test_a_closed_channel_refuses_the_reply_and_says_why(send, ticket, agent, client_for, fake_channel) -> None:
    fake_channel.closed_tickets.add(ticket.pk)

    response = send(client_for(agent), ticket)

    assert response.status_code == 422
    assert "conversation ended" in response.content.decode()
    assert fake_channel.sent == []


def test_each_ticket_loads_its_own_draft(ticket, team, agent, client_for) -> None:
    other = TicketFactory.create(team=team, assignee=agent, origin_channel="fake")
    client = client_for(agent)

    client.post(f"/agent/t/{ticket.pk}/draft/", {"text": "Entwurf für das erste", "mode": "reply"})
    client.post(f"/agent/t/{other.pk}/draft/", {"text": "Notiz zum zweiten", "mode": "note"})

    first = client.get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()
    second = client.get(f"/agent/v/mine/t/{other.pk}/", HTTP_HX_TARGET="ticket", **HX).content.decode()
    assert ">Entwurf für das erste</textarea>" in first and "Notiz zum zweiten" not in first
    assert ">Notiz zum zweiten</textarea>" in second and "Entwurf für das erste" not in second
    assert 'value="note" checked' in second


def test_drafts_are_private_to_each_agent(ticket, team, agent, client_for) -> None:
    from hub.tests.factories import AgentFactory

    colleague = AgentFactory.create(teams=[team])
    client_for(agent).post(f"/agent/t/{ticket.pk}/draft/", {"text": "Mein Entwurf", "mode": "reply"})

    html = client_for(colleague).get(f"/agent/v/teams/t/{ticket.pk}/").content.decode()

    assert "Mein Entwurf" not in html


def test_a_late_draft_save_of_sent_text_does_not_bring_the_draft_back(send, ticket, agent, client_for) -> None:
    client = client_for(agent)
    send(client, ticket)

    client.post(f"/agent/t/{ticket.pk}/draft/", {"text": "Ist unterwegs.", "mode": "reply", "client_id": "c0ffee-0001"})

    assert not Draft.objects.filter(ticket=ticket, agent=agent).exists()


def test_an_empty_draft_removes_the_saved_one(ticket, agent, client_for) -> None:
    client = client_for(agent)
    client.post(f"/agent/t/{ticket.pk}/draft/", {"text": "Etwas", "mode": "reply"})

    client.post(f"/agent/t/{ticket.pk}/draft/", {"text": "", "mode": "reply"})

    assert not Draft.objects.filter(ticket=ticket, agent=agent).exists()


def test_the_send_button_names_recipient_and_channel(ticket, agent, client_for) -> None:
    from hub.models import IdentityKind
    from hub.tests.factories import IdentityFactory

    IdentityFactory.create(customer=ticket.customer, kind=IdentityKind.EMAIL, value="max@example.de")
    html = client_for(agent).get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()

    assert f"Senden an {ticket.customer} (fake)" in html
