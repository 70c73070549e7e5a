"""A formatted email reply: its HTML goes out as the mail's HTML part, cleaned, with the signature."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox
from channels_email.tests.test_servers import Capture, mail, mailbox, outbox  # noqa: F401
from hub.models import Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ticket(mailbox: Mailbox) -> Ticket:  # noqa: F811 - the fixture above
    received = ingest_now(mail("Max <max@kunde.de>", "Lieferung", "<m1@kunde.de>"), mailbox=mailbox, source="test")
    return Ticket.objects.get(pk=received.ticket or 0)


def test_a_formatted_reply_goes_out_as_clean_html_beside_its_plain_text(
    ticket: Ticket, agent, client_for, request: pytest.FixtureRequest
) -> None:
    capture: Capture = request.getfixturevalue("outbox")[0]
    agent.signature = "Anna <Support>"
    agent.save()
    html = (
        '<div><b>Wichtig:</b> bitte <a href="https://acme.example/r" onclick="x()">hier</a> klicken</div>'
        '<ul><li>eins</li></ul><blockquote>alt</blockquote><script>alert(1)</script><img src="https://t.example/p.gif">'
    )

    response = client_for(agent).post(
        f"/agent/t/{ticket.pk}/send/",
        {"text": "Wichtig: bitte hier klicken\neins\nalt", "html": html, "mode": "reply", "client_id": "r1ch-0001",
         "sign": "1"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip

    assert response.status_code == 200
    stored = Message.objects.get(ticket=ticket, direction="out").html
    assert "<script" not in stored and "onclick" not in stored and "<img" not in stored
    for kept in ("<b>Wichtig:</b>", "<ul><li>eins</li></ul>", "<blockquote>alt</blockquote>"):
        assert kept in stored
    sent = message_from_bytes(capture.mails[-1][1], policy=policy.default)
    part = sent.get_body(("html",))
    assert part is not None
    sent_html = part.get_content()
    assert '<a href="https://acme.example/r"' in sent_html and "alert" not in sent_html
    assert "-- <br>Anna &lt;Support&gt;</p>" in sent_html
    plain = sent.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().replace("\r\n", "\n").rstrip().endswith("alt\n\n-- \nAnna <Support>")
