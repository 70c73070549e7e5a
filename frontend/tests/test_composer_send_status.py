"""The split send button: "Send and solve / pending / on hold" sets the status with the reply."""

from __future__ import annotations

import pytest

from hub.models import TicketEvent, TicketStatus
from hub.tests.factories import MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "composer-notice"}


@pytest.fixture
def ticket(team, agent, fake_channel: FakeChannel):
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="fake", status=TicketStatus.OPEN)
    MessageFactory.create(ticket=ticket, channel="fake", text="Danke, das war alles.")
    return ticket


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def post(client, ticket, **extra):
        # Delivery is queued on commit; run those callbacks as a committed request would.
        with django_capture_on_commit_callbacks(execute=True):
            return _send(client, ticket, **extra)

    return post


def _send(client, ticket, **extra):
    data = {"text": "Gern geschehen!", "mode": "reply", "client_id": "c0ffee-0003"} | extra
    return client.post(f"/agent/t/{ticket.pk}/send/", data, **HX)


@pytest.mark.parametrize("status", [TicketStatus.SOLVED, TicketStatus.PENDING, TicketStatus.ON_HOLD])
def test_send_and_set_status_sends_the_reply_and_sets_the_status(send, ticket, agent, client_for, fake_channel, status):
    response = send(client_for(agent), ticket, status=status)

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == status
    assert [s["text"] for s in fake_channel.sent] == ["Gern geschehen!"]
    assert TicketEvent.objects.filter(ticket=ticket, kind="status").exists()


def test_a_plain_send_leaves_the_status_as_it_was(send, ticket, agent, client_for) -> None:
    send(client_for(agent), ticket)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_a_status_the_menu_does_not_offer_is_refused(send, ticket, agent, client_for, fake_channel) -> None:
    response = send(client_for(agent), ticket, status="closed")

    assert response.status_code == 422
    assert fake_channel.sent == []


def test_the_composer_offers_the_three_ways_as_a_menu_button(ticket, agent, client_for) -> None:
    page = client_for(agent).get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()

    assert 'aria-haspopup="menu"' in page and 'aria-controls="send-menu"' in page
    for label in ("Senden und lösen", "Senden und auf wartend setzen", "Senden und zurückstellen"):
        assert label in page
    # The fake channel sends no copies and takes no files: no Cc/Bcc, no attach button.
    assert 'name="cc"' not in page and 'id="composer-file"' not in page
