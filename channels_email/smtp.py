"""The inbound SMTP server (``manage.py smtp_inbound``): mail for our mailboxes, 550 for the rest.

The handler answers 250 only after the InboundEvent has committed, so a mail the sending
server considers delivered is durably ours; processing runs afterwards on the workers. RCPT
looks the mailbox up (read at most once in a few seconds per process: a mailbox an admin
disables takes mail for up to ``MAILBOX_CACHE_SECONDS`` more, as the workers' view of it does),
DATA writes the receipt: one INSERT, nothing else on the way.

Whatever fails inside a transaction (PostgreSQL down or out of connections at RCPT or DATA,
this process's connection pool busy for its whole timeout, anything unforeseen) is answered
``451 4.3.0`` with a fixed text: the sending server keeps the mail and tries again later, and
the error's own text (a database's, with newlines that would break the exchange) goes to the
log only. The receipt is one INSERT: it is written whole or not at all, and a retry of a mail
whose receipt did commit is recognized as a redelivery.

With a certificate configured (``EMAIL_SMTP_INBOUND_TLS_CERT`` and ``_KEY``) the server offers
STARTTLS, so sending servers that can encrypt do; ``EMAIL_SMTP_INBOUND_REQUIRE_TLS`` refuses
mail from those that do not.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from channels_email.inbound import accept
from channels_email.mailboxes import cached_mailbox, known_mailbox
from channels_email.models import Mailbox
from hub.pools import is_unavailable

log = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please retry"

T = TypeVar("T")


def _with_connection(fn: Callable[..., T], *args: Any) -> T:
    """``fn`` on this thread's database connection, given back (to the pool) when it returns.

    A connection kept by an idle executor thread is one another thread waits for.
    """
    close_old_connections()
    try:
        return fn(*args)
    finally:
        close_old_connections()


def _store(raw: bytes, mailbox: Mailbox | None) -> None:
    accept(raw, mailbox=mailbox or Mailbox.default(), source="smtp")


def _failed(what: str, error: BaseException) -> str:
    if is_unavailable(error):
        # Expected under load or during maintenance: the cause, without a traceback.
        log.warning("%s: the database is unavailable (%s: %s); answered 451", what, type(error).__name__, error)
    else:
        log.error("%s failed", what, exc_info=error)
    return TEMPORARY_FAILURE


class InboundHandler:
    """aiosmtpd handler: RCPT checks the mailbox, DATA checks the size and stores the mail."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        # A sender delivering a burst names the same mailbox again and again: read once in a few
        # seconds (channels_email.mailboxes), the RCPT of most mails needs neither a thread nor a query.
        mailbox = known_mailbox(address)
        if mailbox is None:
            try:
                mailbox = await sync_to_async(_with_connection, thread_sensitive=False)(cached_mailbox, address)
            except Exception as error:  # noqa: BLE001 - every failure is a temporary one for the sender
                return _failed(f"looking up the mailbox for an inbound mail to {address!r}", error)
        if mailbox is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(mailbox.address)
        if getattr(envelope, "hub_mailbox", None) is None:
            envelope.hub_mailbox = mailbox  # the first recipient's mailbox takes the mail
        limit = self.max_bytes or mailbox.max_message_bytes
        envelope.hub_limit = min(getattr(envelope, "hub_limit", limit), limit)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        limit = getattr(envelope, "hub_limit", self.max_bytes or 25 * 1024 * 1024)
        if len(raw) > limit:
            return "552 5.3.4 Message too big for this mailbox"
        try:
            await sync_to_async(_with_connection, thread_sensitive=False)(
                _store, raw, getattr(envelope, "hub_mailbox", None)
            )
        except Exception as error:  # noqa: BLE001 - every failure is a temporary one for the sender
            return _failed("storing an inbound mail", error)
        return "250 2.0.0 Message accepted"

    async def handle_exception(self, error: Exception) -> str:
        """Any other failure during a session (aiosmtpd would answer 500 with the error's text)."""
        log.error("inbound SMTP session failed: %s", type(error).__name__, exc_info=error)
        return TEMPORARY_FAILURE


def tls_context() -> ssl.SSLContext | None:
    """The server side of STARTTLS from the configured certificate and key; None: no STARTTLS.

    Read once when the server starts (a renewed certificate takes a restart). Sending servers
    are not asked for certificates of their own, as on any public MX.
    """
    if not settings.EMAIL_SMTP_INBOUND_TLS_CERT:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.EMAIL_SMTP_INBOUND_TLS_CERT, settings.EMAIL_SMTP_INBOUND_TLS_KEY)
    return context


def controller(host: str, port: int, max_bytes: int | None = None) -> Any:
    """The server for the configured mailboxes, with STARTTLS when a certificate is configured."""
    from aiosmtpd.controller import Controller

    tls = tls_context()
    # data_size_limit lets the server refuse oversized mail at the protocol level too.
    return Controller(
        InboundHandler(max_bytes),
        hostname=host,
        port=port,
        data_size_limit=max_bytes or 50 * 1024 * 1024,
        tls_context=tls,
        require_starttls=tls is not None and settings.EMAIL_SMTP_INBOUND_REQUIRE_TLS,
    )
