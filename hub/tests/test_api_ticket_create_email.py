"""A conversation an agent starts by mail, out over SMTP and the customer's answer back in."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox

# The email channel's own outbox (a local SMTP server keeping what it gets) and its mailbox sending there.
from channels_email.tests.test_servers import Capture, mail, mailbox, outbox  # noqa: F401
from hub.models import DeliveryStatus, Direction, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_customers_answer_to_a_conversation_an_agent_started_lands_in_the_same_ticket(api_for, agent, request):
    capture: Capture = request.getfixturevalue("outbox")[0]
    box: Mailbox = request.getfixturevalue("mailbox")
    response = api_for(agent).post(
        "/api/v1/tickets/",
        {
            "customer": {"email": "nora@kunde.de", "name": "Nora Neu"},
            "channel": "email",
            "subject": "Ihre Rücksendung",
            "message": {"text": "Wir haben Ihre Rücksendung erhalten. Erstattung oder Ersatz?"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(pk=response.json()["id"])
    first = ticket.messages.get()
    assert first.delivery_status == DeliveryStatus.SENT
    rcpts, raw = capture.mails[-1]
    sent = message_from_bytes(raw, policy=policy.default)
    assert rcpts == ["nora@kunde.de"]
    assert sent["Subject"] == f"Ihre Rücksendung [#{ticket.pk}]"  # opens the thread: no "Re:"
    assert sent["Message-ID"] == first.external_id and "In-Reply-To" not in sent

    answer = mail(
        "Nora Neu <nora@kunde.de>",
        "AW: Ihre Rücksendung",  # her client dropped the ticket token
        "<antwort-1@kunde.de>",
        body="Ersatz bitte.",
        extra=f"In-Reply-To: {sent['Message-ID']}\r\n",
    )
    settled = ingest_now(answer, mailbox=box, source="test")

    assert settled.ticket == ticket.pk
    reply = ticket.messages.get(direction=Direction.INBOUND)
    assert reply.text.startswith("Ersatz bitte.") and reply.author_customer == ticket.customer
    assert Ticket.objects.count() == 1
