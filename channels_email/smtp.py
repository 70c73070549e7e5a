"""The inbound SMTP server (``manage.py smtp_inbound``): mail for our mailboxes, 550 for the rest.

The handler answers 250 only after the InboundEvent has committed, so a mail the sending
server considers delivered is durably ours; processing runs afterwards on the workers.

Whatever fails inside a transaction (PostgreSQL down at RCPT or DATA, anything unforeseen) is
answered ``451 4.3.0`` with a fixed text: the sending server keeps the mail and tries again
later, and the error's own text (a database's, with newlines that would break the exchange)
goes to the log only.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from channels_email.inbound import accept
from channels_email.models import Mailbox

log = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please retry"


def _mailbox(address: str) -> Mailbox | None:
    close_old_connections()
    return Mailbox.for_address(address)


def _store(raw: bytes, recipients: list[str]) -> None:
    close_old_connections()
    mailbox = Mailbox.for_address(recipients[0]) if recipients else None
    accept(raw, mailbox=mailbox or Mailbox.default(), source="smtp")


class InboundHandler:
    """aiosmtpd handler: RCPT checks the mailbox, DATA checks the size and stores the mail."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        try:
            mailbox = await sync_to_async(_mailbox, thread_sensitive=False)(address)
        except Exception:
            log.exception("looking up the mailbox for an inbound mail to %r failed", address)
            return TEMPORARY_FAILURE
        if mailbox is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(mailbox.address)
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
            await sync_to_async(_store, thread_sensitive=False)(raw, list(envelope.rcpt_tos))
        except Exception:
            log.exception("storing an inbound mail failed")
            return TEMPORARY_FAILURE
        return "250 2.0.0 Message accepted"

    async def handle_exception(self, error: Exception) -> str:
        """Any other failure during a session (aiosmtpd would answer 500 with the error's text)."""
        log.error("inbound SMTP session failed: %s", type(error).__name__, exc_info=error)
        return TEMPORARY_FAILURE


def controller(host: str, port: int, max_bytes: int | None = None) -> Any:
    from aiosmtpd.controller import Controller

    # data_size_limit lets the server refuse oversized mail at the protocol level too.
    return Controller(
        InboundHandler(max_bytes), hostname=host, port=port, data_size_limit=max_bytes or 50 * 1024 * 1024
    )
