"""A reply the hub gave up delivering is shown as such and can be sent again (action, API, workspace)."""

from __future__ import annotations

import pytest
from django.test import Client

from hub.actions import ResendError, do_resend
from hub.delivery import deliver_message
from hub.models import Agent, DeliveryStatus, Direction, Message, Role, Team, Ticket
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ticket(fake_channel: FakeChannel, team: Team) -> Ticket:
    ticket = TicketFactory.create(origin_channel="fake", team=team, subject="Lieferung")
    MessageFactory.create(ticket=ticket, text="Wo bleibt meine Bestellung?")
    return ticket


def given_up(ticket: Ticket, settings, fake_channel: FakeChannel, text: str = "Ist unterwegs.") -> Message:
    """A reply whose every attempt failed: the provider was down all along."""
    settings.DELIVERY_MAX_ATTEMPTS = 1
    fake_channel.fail_next = 1
    message = MessageFactory.create(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        author_customer=None,
        text=text,
        delivery_status=DeliveryStatus.QUEUED,
    )
    assert deliver_message(message.pk).outcome == "failed"
    message.refresh_from_db()
    return message


def test_an_agent_sends_a_failed_reply_again_and_it_goes_out(
    ticket: Ticket, agent: Agent, fake_channel: FakeChannel, settings
) -> None:
    message = given_up(ticket, settings, fake_channel)
    assert message.delivery_status == DeliveryStatus.FAILED

    do_resend(message_id=message.pk, agent=agent)  # the provider is back

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert message.delivery_attempts == 1  # a fresh round of attempts
    assert [s["message_id"] for s in fake_channel.sent] == [message.pk]  # the same message, once
    (resend,) = message.metadata["resent"]
    assert resend["agent"] == agent.pk and "provider unreachable" in resend["after_error"]


def test_a_reply_that_is_not_failed_is_not_sent_again(ticket: Ticket, agent: Agent, fake_channel: FakeChannel) -> None:
    sent = MessageFactory.create(
        ticket=ticket, direction=Direction.OUTBOUND, author_customer=None, delivery_status=DeliveryStatus.SENT
    )

    with pytest.raises(ResendError, match="nicht fehlgeschlagen"):
        do_resend(message_id=sent.pk, agent=agent)
    with pytest.raises(ResendError, match="Nur Nachrichten an den Kunden"):
        do_resend(message_id=ticket.messages.get(direction=Direction.INBOUND).pk, agent=agent)
    assert fake_channel.sent == []


def test_a_reply_on_another_teams_ticket_cannot_be_sent_again(
    ticket: Ticket, fake_channel: FakeChannel, other_team: Team, settings
) -> None:
    message = given_up(ticket, settings, fake_channel)
    outsider = AgentFactory.create(teams=[other_team], role=Role.AGENT)

    with pytest.raises(Message.DoesNotExist):
        do_resend(message_id=message.pk, agent=outsider)
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED


def test_the_api_sends_a_failed_reply_again_and_refuses_one_that_was_sent(
    ticket: Ticket, agent: Agent, fake_channel: FakeChannel, settings, api_for
) -> None:
    message = given_up(ticket, settings, fake_channel)
    url = f"/api/v1/tickets/{ticket.pk}/messages/{message.pk}/resend/"

    first = api_for(agent).post(url)
    again = api_for(agent).post(url)

    assert first.status_code == 200
    assert first.json()["id"] == message.pk
    assert first.json()["delivery_status"] in ("queued", "sent")
    assert again.status_code == 409 and "nicht fehlgeschlagen" in again.json()["detail"]
    assert [s["message_id"] for s in fake_channel.sent] == [message.pk]


def test_the_api_hides_other_teams_replies_and_lets_viewers_only_read(
    ticket: Ticket, fake_channel: FakeChannel, settings, api_for, other_team: Team, team: Team
) -> None:
    message = given_up(ticket, settings, fake_channel)
    url = f"/api/v1/tickets/{ticket.pk}/messages/{message.pk}/resend/"

    outsider = api_for(AgentFactory.create(teams=[other_team], role=Role.AGENT)).post(url)
    viewer = api_for(AgentFactory.create(teams=[team], role=Role.VIEWER)).post(url)

    assert outsider.status_code == 404
    assert viewer.status_code == 403
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED


def row_of(html: str, ticket_id: int) -> str:
    start = html.index(f'data-ticket-id="{ticket_id}"')
    return html[start : html.index("</li>", start)]


def test_the_workspace_shows_a_failed_reply_in_the_row_the_header_and_on_the_message_and_sends_it_again(
    ticket: Ticket, agent: Agent, fake_channel: FakeChannel, settings, client_for, team: Team
) -> None:
    fine = TicketFactory.create(origin_channel="fake", team=team, subject="Alles gut")
    message = given_up(ticket, settings, fake_channel)
    client: Client = client_for(agent)

    listing = client.get("/agent/v/teams/").content.decode()
    page = client.get(f"/agent/v/teams/t/{ticket.pk}/").content.decode()

    assert "Antwort nicht zugestellt" in row_of(listing, ticket.pk)
    assert "Antwort nicht zugestellt" not in row_of(listing, fine.pk)
    header = page[page.index('id="ticket-header"') : page.index("</header>", page.index('id="ticket-header"'))]
    assert f'href="#m-{message.pk}"' in header and "Antwort nicht zugestellt" in header
    assert "Fehlgeschlagen · nach 1 Versuch" in page
    resend_url = f"/agent/t/{ticket.pk}/m/{message.pk}/resend/"
    assert f'hx-post="{resend_url}"' in page and "Erneut senden" in page

    answer = client.post(resend_url, HTTP_HX_REQUEST="true")

    assert answer.status_code == 200
    item = answer.content.decode()
    assert f'id="m-{message.pk}"' in item and "Erneut senden" not in item
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    listing = client.get("/agent/v/teams/").content.decode()
    assert "Antwort nicht zugestellt" not in row_of(listing, ticket.pk)
    assert client.post(resend_url, HTTP_HX_REQUEST="true").status_code == 409


def test_a_reply_waiting_for_its_next_attempt_says_when(
    ticket: Ticket, agent: Agent, fake_channel: FakeChannel, client_for
) -> None:
    fake_channel.fail_next = 1
    message = MessageFactory.create(
        ticket=ticket, direction=Direction.OUTBOUND, author_customer=None, delivery_status=DeliveryStatus.QUEUED
    )
    assert deliver_message(message.pk).outcome == "retry"

    agent.language = "en"
    agent.save()
    page = client_for(agent).get(f"/agent/v/teams/t/{ticket.pk}/").content.decode()

    assert "Not sent yet: trying again at" in page
    assert "Resend" not in page


def test_a_viewer_sees_the_failure_but_no_resend_button(
    ticket: Ticket, fake_channel: FakeChannel, settings, client_for, team: Team
) -> None:
    message = given_up(ticket, settings, fake_channel)
    viewer = AgentFactory.create(teams=[team], role=Role.VIEWER)

    page = client_for(viewer).get(f"/agent/v/teams/t/{ticket.pk}/").content.decode()
    refused = client_for(viewer).post(f"/agent/t/{ticket.pk}/m/{message.pk}/resend/")

    assert "Fehlgeschlagen · nach 1 Versuch" in page and "Erneut senden" not in page
    assert refused.status_code == 403
