"""With the connection pool exhausted the front doors say "later", and every mail arrives once, later.

The pool of this process is held whole (every connection it may open taken out), as a burst or
a slow database would hold it, with its wait cut to a fraction of a second. Then the webhook
answers 503 with Retry-After, the SMTP server a temporary 451, and the IMAP poll leaves the mail
on the server; none of them writes anything. Given back, the same deliveries (a provider's
retry, an MTA's, the next poll) are taken, and each mail is one event and one message.
"""

from __future__ import annotations

import asyncio
import imaplib
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection

from channels_email.imap import poll_all
from channels_email.models import Mailbox, Security
from channels_email.settings_actions import do_rotate_inbound_token
from channels_email.smtp import InboundHandler
from channels_email.tests.test_servers import mail
from hub.models import InboundEvent, Message

pytestmark = [
    pytest.mark.postgres(reason="the connection pool is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]

WEBHOOK = "/api/v1/channels/email/inbound"


@contextmanager
def exhausted() -> Iterator[None]:
    """Every connection of this process's pool held, and a wait for one cut to 0.3 s."""
    pool: Any = getattr(connection, "pool", None)
    if pool is None:
        pytest.skip("the database has no connection pool")
    connection.close()  # the test's own connection goes back first
    pool.open()
    held = [pool.getconn() for _ in range(pool.max_size)]
    patience, pool.timeout = pool.timeout, 0.3
    try:
        yield
    finally:
        while held:
            pool.putconn(held.pop())
        pool.timeout = patience


def smtp_delivery(raw: bytes, to: str) -> str:
    async def deliver() -> str:
        handler = InboundHandler()
        envelope = SimpleNamespace(rcpt_tos=[], original_content=raw, content=b"")
        answer = await handler.handle_RCPT(None, None, envelope, to, [])
        if not answer.startswith("250"):
            return answer
        return await handler.handle_DATA(None, None, envelope)

    return asyncio.run(deliver())


def test_with_the_pool_exhausted_every_door_says_later_and_every_mail_arrives_once_when_it_frees(
    client: Any, imap_server: int
) -> None:
    box = Mailbox.objects.create(
        address="support@hub.example",
        imap_host="127.0.0.1",
        imap_port=imap_server,
        imap_security=Security.NONE,
        imap_user="support",
        imap_password="geheim",
        imap_folder="INBOX",
    )
    token = do_rotate_inbound_token(None, box)
    imap = imaplib.IMAP4("127.0.0.1", imap_server)
    imap.login("support", "geheim")
    imap.append("INBOX", None, None, mail("ida@kunde.de", "Per IMAP", "<bp-imap@kunde.de>"))
    by_http = mail("hans@kunde.de", "Per Webhook", "<bp-http@kunde.de>")
    by_smtp = mail("sara@kunde.de", "Per SMTP", "<bp-smtp@kunde.de>")

    with exhausted():
        answer = client.post(WEBHOOK, by_http, content_type="message/rfc822", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert answer.status_code == 503
        assert int(answer["Retry-After"]) > 0
        assert smtp_delivery(by_smtp, "support@hub.example") == "451 4.3.0 Temporary failure, please retry"
        assert poll_all() == 0

    # Nothing was written, not even half of a receipt, and the IMAP mail is still unseen.
    assert not InboundEvent.objects.exists()
    imap.select("INBOX")
    assert imap.uid("SEARCH", "UNSEEN")[1] != [b""]

    # The retries: the provider's, the MTA's, the next poll.
    again = client.post(WEBHOOK, by_http, content_type="message/rfc822", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert again.status_code == 202
    assert smtp_delivery(by_smtp, "support@hub.example").startswith("250")
    assert poll_all() == 1
    assert poll_all() == 0  # the mail was flagged once its receipt committed

    ids = ["<bp-http@kunde.de>", "<bp-smtp@kunde.de>", "<bp-imap@kunde.de>"]
    assert sorted(InboundEvent.objects.values_list("external_id", flat=True)) == sorted(ids)
    assert InboundEvent.objects.filter(state="processed").count() == 3
    for message_id in ids:
        assert Message.objects.filter(external_id=message_id).count() == 1, message_id
