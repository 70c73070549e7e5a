"""Against real servers: aiosmtpd for SMTP in and out, pymap for IMAP."""

from __future__ import annotations

import imaplib
import smtplib
import socket
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox, Security
from channels_email.settings_actions import do_rotate_inbound_token
from channels_email.smtp import InboundHandler, controller
from hub.actions import do_reply
from hub.models import AutomaticMessage, Identity, InboundEvent, Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Capture:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture
def outbox() -> Iterator[tuple[Capture, int]]:
    capture = Capture()
    port = free_port()
    server = Controller(capture, hostname="127.0.0.1", port=port)
    server.start()
    yield capture, port
    server.stop()


@pytest.fixture
def mailbox(outbox, team) -> Mailbox:
    _, port = outbox
    return Mailbox.objects.create(
        address="support@hub.example",
        name="Support",
        default_team=team,
        is_default=True,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=Security.NONE,
    )


def mail(sender: str, subject: str, mid: str, body: str = "Hallo", extra: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: support@hub.example\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def test_an_agent_reply_goes_out_threaded_and_the_customers_answer_returns_to_the_ticket(
    outbox, mailbox, agent
) -> None:
    capture, _ = outbox
    first = ingest_now(mail("Max <max@kunde.de>", "Lieferung", "<m1@kunde.de>"), mailbox=mailbox, source="test")
    ticket = Ticket.objects.get(pk=first.ticket or 0)

    reply = do_reply(ticket, agent=agent, text="Ist unterwegs.", html="<p>Ist <b>unterwegs</b><script>x()</script></p>")

    reply.refresh_from_db()
    assert reply.delivery_status == "sent"
    rcpts, raw = capture.mails[-1]
    assert rcpts == ["max@kunde.de"]
    sent = message_from_bytes(raw)
    assert sent["In-Reply-To"] == "<m1@kunde.de>"
    assert "<m1@kunde.de>" in sent["References"]
    assert f"[#{ticket.pk}]" in sent["Subject"]
    assert sent["Message-ID"] == reply.external_id
    assert sent["Message-ID"].startswith(f"<ticket-{ticket.pk}.msg-{reply.pk}.")
    assert sent["Auto-Submitted"] is None
    html = next(p for p in sent.walk() if p.get_content_type() == "text/html").get_payload(decode=True)
    assert b"<script" not in html and b"<b>unterwegs</b>" in html

    # The customer's client keeps only our Message-ID (no References to their first mail).
    answer = ingest_now(
        mail("max@kunde.de", "Re: Lieferung", "<m2@kunde.de>", extra=f"In-Reply-To: {reply.external_id}\r\n"),
        mailbox=mailbox,
        source="test",
    )
    assert (answer.status, answer.ticket) == ("appended", ticket.pk)


def test_our_message_id_alone_threads_a_reply_even_if_the_sent_id_was_never_stored(outbox, mailbox, agent) -> None:
    first = ingest_now(mail("max@kunde.de", "Frage", "<q1@kunde.de>"), mailbox=mailbox, source="test")
    reply = do_reply(Ticket.objects.get(pk=first.ticket or 0), agent=agent, text="Antwort")
    reply.refresh_from_db()
    Message.objects.filter(pk=reply.pk).update(external_id=None)  # as if the worker died after SMTP

    answer = ingest_now(
        mail("max@kunde.de", "Re: Frage", "<q2@kunde.de>", extra=f"References: {reply.external_id}\r\n"),
        mailbox=mailbox,
        source="test",
    )
    assert (answer.status, answer.ticket) == ("appended", first.ticket)


def test_a_bounce_of_our_reply_lands_on_its_ticket_and_stops_further_replies(outbox, mailbox, agent) -> None:
    first = ingest_now(mail("max@kunde.de", "Frage", "<b1@kunde.de>"), mailbox=mailbox, source="test")
    ticket = Ticket.objects.get(pk=first.ticket or 0)
    reply = do_reply(ticket, agent=agent, text="Antwort")
    reply.refresh_from_db()
    bounce = (
        "From: MAILER-DAEMON@mx.kunde.de\r\nTo: support@hub.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce1@mx.kunde.de>\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        "--r\r\nContent-Type: text/plain\r\n\r\nUser unknown\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.kunde.de\r\n\r\n"
        "Final-Recipient: rfc822; max@kunde.de\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {reply.external_id}\r\nSubject: x\r\n\r\n--r--\r\n"
    ).encode()

    outcome = ingest_now(bounce, mailbox=mailbox, source="test")

    assert (outcome.status, outcome.ticket) == ("bounce", ticket.pk)
    assert Identity.objects.get(value="max@kunde.de").bouncing
    reply.refresh_from_db()
    assert reply.delivery_status == "failed" and "5.1.1" in reply.delivery_error
    from channels_email.adapter import EmailAdapter

    assert EmailAdapter().can_reply(ticket.pk) == (False, "Mails an max@kunde.de kommen zurück")


def test_new_tickets_are_acknowledged_once_and_never_to_automatic_mail(outbox, mailbox) -> None:
    capture, _ = outbox
    mailbox.auto_acknowledge = True
    mailbox.save()

    created = ingest_now(mail("neu@kunde.de", "Hilfe", "<a1@kunde.de>"), mailbox=mailbox, source="test")
    ingest_now(
        mail("neu@kunde.de", "Re: Hilfe", "<a2@kunde.de>", extra="In-Reply-To: <a1@kunde.de>\r\n"),
        mailbox=mailbox,
        source="test",
    )
    ingest_now(
        mail("ooo@kunde.de", "Out of office", "<a3@kunde.de>", extra="Auto-Submitted: auto-replied\r\n"),
        mailbox=mailbox,
        source="test",
    )
    ack = Message.objects.get(ticket_id=created.ticket or 0, kind="system")
    from channels_email.tasks import acknowledge

    acknowledge.delay(Message.objects.get(external_id="<a1@kunde.de>").pk)  # a redelivered task

    assert [r for r, _ in capture.mails] == [["neu@kunde.de"]]
    sent = message_from_bytes(capture.mails[0][1])
    assert sent["Auto-Submitted"] == "auto-replied"
    assert f"[#{created.ticket}]" in sent["Subject"]
    assert ack.delivery_status == "sent" or Message.objects.get(pk=ack.pk).delivery_status == "sent"


def test_a_per_address_limit_stops_acknowledgement_loops(outbox, mailbox, settings) -> None:
    capture, _ = outbox
    settings.AUTO_MESSAGE_LIMIT = 2
    mailbox.auto_acknowledge = True
    mailbox.save()

    for i in range(5):
        ingest_now(
            mail("robot@helpdesk.example", f"Ticket {i}", f"<loop{i}@helpdesk.example>"), mailbox=mailbox, source="test"
        )

    assert len(capture.mails) == 2
    assert AutomaticMessage.objects.exclude(suppressed="").count() == 3


def test_the_smtp_server_accepts_mail_for_our_mailboxes_and_refuses_others_over_a_socket(mailbox) -> None:
    port = free_port()
    server = controller("127.0.0.1", port, max_bytes=20_000)
    server.start()
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("max@kunde.de", ["support@hub.example"], mail("max@kunde.de", "Per SMTP", "<s1@kunde.de>"))
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                client.sendmail("max@kunde.de", ["fremd@hub.example"], mail("max@kunde.de", "x", "<s2@kunde.de>"))
            assert refused.value.recipients["fremd@hub.example"][0] == 550
            # Refused at MAIL FROM (SIZE=) or at DATA, but always with 552.
            with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as too_big:
                client.sendmail(
                    "max@kunde.de", ["support@hub.example"], mail("max@kunde.de", "big", "<s3@kunde.de>", "x" * 30_000)
                )
            assert too_big.value.smtp_code == 552
    finally:
        server.stop()

    event = InboundEvent.objects.get(external_id="<s1@kunde.de>")
    assert event.state == "processed" and event.outcome == "created"
    assert not InboundEvent.objects.filter(external_id__in=["<s2@kunde.de>", "<s3@kunde.de>"]).exists()


def test_the_smtp_handler_called_directly_stores_the_mail_before_answering_250(mailbox) -> None:
    import asyncio
    from types import SimpleNamespace

    handler = InboundHandler()
    envelope = SimpleNamespace(
        rcpt_tos=[], original_content=mail("max@kunde.de", "Direkt", "<d1@kunde.de>"), content=b""
    )
    assert asyncio.run(handler.handle_RCPT(None, None, envelope, "Support@Hub.Example", [])) == "250 OK"
    assert asyncio.run(handler.handle_DATA(None, None, envelope)).startswith("250")
    assert InboundEvent.objects.filter(external_id="<d1@kunde.de>").exists()


def test_a_mailbox_the_admin_disables_refuses_the_next_mail_though_the_server_just_took_one(mailbox) -> None:
    import asyncio
    import copy
    from types import SimpleNamespace

    from channels_email.settings_actions import do_save_mailbox

    handler = InboundHandler()

    def rcpt() -> str:
        envelope = SimpleNamespace(rcpt_tos=[], original_content=b"", content=b"")
        return asyncio.run(handler.handle_RCPT(None, None, envelope, "support@hub.example", []))

    assert rcpt() == "250 OK"  # read, and kept for the next mails of a burst
    before = copy.copy(mailbox)
    mailbox.enabled = False
    do_save_mailbox(None, mailbox, secrets={}, before=before)

    assert rcpt() == "550 5.1.1 No such mailbox here"


def test_the_inbound_api_takes_raw_mail_with_the_mailbox_token_only(client, mailbox) -> None:
    raw = mail("max@kunde.de", "Per API", "<api1@kunde.de>")
    url = "/api/v1/channels/email/inbound"

    assert client.post(url, raw, content_type="message/rfc822").status_code == 401
    assert client.post(url, raw, content_type="message/rfc822", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    token = do_rotate_inbound_token(None, mailbox)
    ok = client.post(url, raw, content_type="message/rfc822", HTTP_AUTHORIZATION=f"Bearer {token}")
    again = client.post(url, raw, content_type="message/rfc822", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert ok.status_code == 202 and again.status_code == 200 and again.json()["duplicate"]
    assert Message.objects.filter(external_id="<api1@kunde.de>").count() == 1


def test_imap_polling_fetches_only_new_mail_and_flags_it_after_the_event_is_stored(imap_server, team) -> None:
    from channels_email.imap import poll

    box = Mailbox.objects.create(
        address="support@hub.example",
        imap_host="127.0.0.1",
        imap_port=imap_server,
        imap_security=Security.NONE,
        imap_user="support",
        imap_password="geheim",
        imap_folder="INBOX",
    )
    client = imaplib.IMAP4("127.0.0.1", imap_server)
    client.login("support", "geheim")
    client.append("INBOX", None, None, mail("max@kunde.de", "Per IMAP 1", "<i1@kunde.de>"))
    client.append("INBOX", None, None, mail("max@kunde.de", "Per IMAP 2", "<i2@kunde.de>"))

    assert poll(box) == 2
    box.refresh_from_db()
    assert box.imap_last_uid >= 2 and box.imap_uidvalidity
    client.select("INBOX")
    _, unseen = client.uid("SEARCH", "UNSEEN")
    assert unseen == [b""]
    assert poll(box) == 0  # nothing new: nothing fetched

    client.append("INBOX", None, None, mail("max@kunde.de", "Per IMAP 3", "<i3@kunde.de>"))
    box.refresh_from_db()
    assert poll(box) == 1
    assert Message.objects.filter(external_id__in=["<i1@kunde.de>", "<i2@kunde.de>", "<i3@kunde.de>"]).count() == 3
    # A re-fetch after lost state (UIDVALIDITY reset) gives duplicates, not new messages.
    Mailbox.objects.filter(pk=box.pk).update(imap_uidvalidity=None, imap_last_uid=0)
    box.refresh_from_db()
    assert poll(box) == 0
    assert Message.objects.filter(channel="email").count() == 3
    client.logout()
