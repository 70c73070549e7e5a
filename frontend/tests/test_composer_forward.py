"""Forwarding a message or the whole conversation by email, over a real SMTP transaction."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox
from channels_email.tests.test_servers import Capture, mail, mailbox, outbox  # noqa: F401
from hub.actions import do_reply
from hub.models import Message, MessageKind, Ticket
from hub.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "forward-notice"}
WITH_FILE = (
    "From: Max <max@kunde.de>\r\nTo: support@hub.example\r\nSubject: Defekt\r\nMessage-ID: <f1@kunde.de>\r\n"
    'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDas Gerät ist kaputt, Foto anbei.\r\n"
    '--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename="geraet.png"\r\n'
    "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n"
).encode()


@pytest.fixture
def capture(request: pytest.FixtureRequest) -> Capture:
    return request.getfixturevalue("outbox")[0]


@pytest.fixture
def ticket(mailbox: Mailbox) -> Ticket:  # noqa: F811 - the fixture above
    received = ingest_now(WITH_FILE, mailbox=mailbox, source="test")
    return Ticket.objects.get(pk=received.ticket or 0)


def forward(client, ticket: Ticket, **data: object):
    return client.post(f"/agent/t/{ticket.pk}/forward/", {"client_id": "f0rward-0001"} | data, **HX)


def test_a_forwarded_message_goes_to_the_colleague_with_its_file_and_never_to_the_customer(
    ticket: Ticket, agent, client_for, capture: Capture
) -> None:
    first = ticket.messages.get()
    client = client_for(agent)

    response = forward(client, ticket, to="technik@partner.example", text="Bitte prüfen.", message=str(first.pk))

    assert response.status_code == 200
    rcpts, raw = capture.mails[-1]
    sent = message_from_bytes(raw, policy=policy.default)
    assert rcpts == ["technik@partner.example"]
    assert sent["Subject"] == "WG: Defekt"
    assert sent["In-Reply-To"] is None
    body = sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert body.startswith("Bitte prüfen.")
    assert "Von: Max" in body and "Das Gerät ist kaputt, Foto anbei." in body
    assert [p.get_filename() for p in sent.iter_attachments()] == ["geraet.png"]
    forwarded = Message.objects.get(ticket=ticket, direction="out")
    assert forwarded.kind == MessageKind.NOTE
    assert forwarded.delivery_status == "sent"
    page = client.get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()
    assert "Weitergeleitet an technik@partner.example" in page


def test_the_whole_conversation_is_forwarded_oldest_first_without_notes(
    ticket: Ticket, agent, client_for, capture: Capture
) -> None:
    do_reply(ticket, agent=agent, text="Wir tauschen es aus.")
    client = client_for(agent)
    client.post(
        f"/agent/t/{ticket.pk}/send/",
        {"text": "Nur intern: Kulanz", "mode": "note", "client_id": "n0te-0001"},
        HTTP_HX_REQUEST="true",
    )

    forward(client, ticket, to="chefin@hub.example")

    rcpts, raw = capture.mails[-1]
    body = message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert rcpts == ["chefin@hub.example"]
    assert body.index("Das Gerät ist kaputt") < body.index("Wir tauschen es aus.")
    assert "Kulanz" not in body


def test_a_wrong_address_keeps_the_panel_with_the_reason_and_sends_nothing(
    ticket: Ticket, agent, client_for, capture: Capture
) -> None:
    response = forward(client_for(agent), ticket, to="technik-at-partner")

    assert response.status_code == 422
    assert "technik-at-partner" in response.content.decode()
    assert not Message.objects.filter(ticket=ticket, direction="out").exists()
    assert capture.mails == []


def test_the_panel_quotes_the_message_and_refuses_one_of_another_ticket(ticket, agent, client_for, team) -> None:
    client = client_for(agent)
    first = ticket.messages.get()
    other = TicketFactory.create(team=team)

    panel = client.get(f"/agent/t/{ticket.pk}/forward/panel/?message={first.pk}")
    foreign = client.get(f"/agent/t/{other.pk}/forward/panel/?message={first.pk}")

    assert panel.status_code == 200
    assert "Das Gerät ist kaputt" in panel.content.decode() and "geraet.png" in panel.content.decode()
    assert foreign.status_code == 404
