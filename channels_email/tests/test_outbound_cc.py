"""Cc, Bcc, files and signatures of an agent's email reply, over a real SMTP transaction."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox
from channels_email.tests.test_servers import Capture, mail, mailbox, outbox  # noqa: F401
from hub.adapters import get_adapter
from hub.models import Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "composer-notice"}


@pytest.fixture
def capture(request: pytest.FixtureRequest) -> Capture:
    return request.getfixturevalue("outbox")[0]


@pytest.fixture
def ticket(mailbox: Mailbox) -> Ticket:  # noqa: F811 - the fixture above
    extra = "Cc: Chefin <chefin@kunde.de>, support@hub.example\r\n"
    raw = mail("Max <max@kunde.de>", "Lieferung", "<m1@kunde.de>", extra=extra).replace(
        b"To: support@hub.example", b"To: support@hub.example, Anna <anna@kunde.de>"
    )
    received = ingest_now(raw, mailbox=mailbox, source="test")
    return Ticket.objects.get(pk=received.ticket or 0)


def send(client, ticket: Ticket, **extra: object):
    data = {"text": "Ist unterwegs.", "mode": "reply", "client_id": "c0ffee-0001"} | extra
    return client.post(f"/agent/t/{ticket.pk}/send/", data, **HX)


def last(capture: Capture) -> tuple[list[str], EmailMessage]:
    rcpts, raw = capture.mails[-1]
    return rcpts, message_from_bytes(raw, policy=policy.default)


def test_a_reply_with_cc_and_bcc_names_the_cc_in_a_header_and_reaches_the_bcc_only_by_envelope(
    ticket: Ticket, agent, client_for, capture: Capture
) -> None:
    client = client_for(agent)
    response = send(client, ticket, cc="anna@kunde.de; Chefin@Kunde.de", bcc="revision@hub.example")

    assert response.status_code == 200
    rcpts, sent = last(capture)
    assert rcpts == ["max@kunde.de", "anna@kunde.de", "chefin@kunde.de", "revision@hub.example"]
    assert sent["Cc"] == "anna@kunde.de, chefin@kunde.de"
    assert sent["Bcc"] is None
    assert b"revision@hub.example" not in capture.mails[-1][1]
    reply = Message.objects.get(ticket=ticket, direction="out")
    assert (reply.metadata["cc"], reply.metadata["bcc"]) == (
        ["anna@kunde.de", "chefin@kunde.de"],
        ["revision@hub.example"],
    )
    # The agents see on the sent mail who got a copy.
    page = client.get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()
    assert "Cc: <bdi>anna@kunde.de, chefin@kunde.de</bdi> · Bcc: <bdi>revision@hub.example</bdi>" in page


def test_the_composer_suggests_the_customers_other_recipients_but_never_our_own_mailbox(
    ticket: Ticket, agent, client_for
) -> None:
    assert get_adapter("email").reply_defaults(ticket.pk)["cc"] == ["anna@kunde.de", "chefin@kunde.de"]

    page = client_for(agent).get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()

    assert 'name="cc" type="text" value="anna@kunde.de, chefin@kunde.de"' in page
    assert 'aria-controls="composer-copy-fields" aria-expanded="true"' in page


def test_an_address_that_is_none_holds_the_send_with_the_reason(ticket: Ticket, agent, client_for, capture) -> None:
    response = send(client_for(agent), ticket, cc="anna@kunde.de, kein-at-zeichen")

    assert response.status_code == 422
    assert "kein-at-zeichen" in response.content.decode()
    assert not Message.objects.filter(ticket=ticket, direction="out").exists()
    assert capture.mails == []


def test_uploaded_files_go_out_as_mime_parts_of_the_reply(ticket: Ticket, agent, client_for, capture) -> None:
    client = client_for(agent)
    pdf = SimpleUploadedFile("Rechnung 4711.pdf", b"%PDF-1.4 rechnung", content_type="application/pdf")
    uploaded = client.post(f"/agent/t/{ticket.pk}/uploads/", {"file": pdf})
    assert uploaded.status_code == 201
    upload_id = uploaded.json()["id"]

    send(client, ticket, upload=[str(upload_id)])

    _rcpts, sent = last(capture)
    files = [(p.get_filename(), p.get_content_type(), p.get_content()) for p in sent.iter_attachments()]
    assert files == [("Rechnung 4711.pdf", "application/pdf", b"%PDF-1.4 rechnung")]
    reply = Message.objects.get(ticket=ticket, direction="out")
    assert [a.filename for a in reply.attachments.all()] == ["Rechnung 4711.pdf"]


def test_too_many_bytes_for_one_mail_are_refused_at_upload(ticket: Ticket, agent, client_for, settings) -> None:
    settings.EMAIL_OUTBOUND_MAX_ATTACHMENT_BYTES = 10
    big = SimpleUploadedFile("gross.txt", b"x" * 11, content_type="text/plain")

    response = client_for(agent).post(f"/agent/t/{ticket.pk}/uploads/", {"file": big})

    assert response.status_code == 422
    assert "10" in response.json()["error"]


def test_the_reply_ends_with_the_agents_and_the_mailboxs_signature_filled_in(
    ticket: Ticket,
    agent,
    client_for,
    capture,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    agent.user.first_name = "Anna"
    agent.user.save()
    agent.signature = "Viele Grüße\n{{ agent.first_name }}"
    agent.save()
    mailbox.signature = "ACME Support · Ticket {{ ticket.number }}"
    mailbox.save()
    client = client_for(agent)
    page = client.get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()
    assert f"Viele Grüße\nAnna\n\nACME Support · Ticket {ticket.pk}</pre>" in page

    send(client, ticket, sign="1")

    _rcpts, sent = last(capture)
    body = sent.get_body(("plain",))
    assert body is not None
    assert (
        body.get_content()
        .replace("\r\n", "\n")
        .endswith(f"Ist unterwegs.\n\n-- \nViele Grüße\nAnna\n\nACME Support · Ticket {ticket.pk}\n")
    )
