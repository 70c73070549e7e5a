"""What inbound mail means for the email channel: bounces, working addresses, acknowledgements.

Every state change goes through ``hub.actions``; this module only decides which ones a mail
asks for. Runs from ``EmailAdapter.on_stored``, inside the pipeline's transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from channels_email.mailboxes import cached_mailbox
from channels_email.models import Mailbox
from hub.actions import do_record_bounce, do_send_automatic, do_set_bouncing
from hub.models import Direction, IdentityKind, Message

log = logging.getLogger(__name__)
ACKNOWLEDGEMENT = "acknowledgement"
KEY = "email"


def _apply_bounce(meta: dict[str, Any]) -> None:
    """A permanent bounce marks the addresses as bouncing (agents see why replies are refused)
    and fails the bounced outbound message; a temporary one records why it was late."""
    bounce = meta.get("bounce")
    if not isinstance(bounce, dict):
        return
    if bounce.get("permanent"):
        do_set_bouncing(kind=IdentityKind.EMAIL, values=list(bounce.get("recipients") or []), bouncing=True)
    reason = f"bounced: {bounce.get('status', '')} {bounce.get('diagnostic', '')}".strip()
    do_record_bounce(
        channel=KEY,
        external_id=str(bounce.get("original_message_id") or ""),
        reason=reason,
        permanent=bool(bounce.get("permanent")),
    )


def apply_inbound_all(messages: list[Message]) -> None:
    """Effects of inbound mails stored together, in their order. Idempotent.

    A mail from a person proves their address works again: those senders are cleared with one
    UPDATE for all between bounces (usually one for all).
    """
    senders: list[str] = []
    for message in messages:
        meta: dict[str, Any] = message.metadata or {}
        if meta.get("automatic") == "bounce":
            do_set_bouncing(kind=IdentityKind.EMAIL, values=senders, bouncing=False)
            senders = []
            _apply_bounce(meta)
        elif not meta.get("automatic") and meta.get("from"):
            senders.append(meta["from"])
    do_set_bouncing(kind=IdentityKind.EMAIL, values=senders, bouncing=False)


def wants_acknowledgement(message: Message, mailbox: Mailbox | None = None) -> bool:
    """A person's mail that opened its ticket, to a mailbox that acknowledges: never a follow-up,
    never automatic mail."""
    meta = message.metadata or {}
    if meta.get("automatic") or message.direction != Direction.INBOUND:
        return False
    mailbox = mailbox or Mailbox.for_address(meta.get("mailbox", ""))
    if mailbox is None or not mailbox.auto_acknowledge:
        return False
    return not Message.objects.filter(ticket_id=message.ticket_id).exclude(pk=message.pk).exists()


def acknowledgements_due(messages: list[Message]) -> list[int]:
    """The mails among ``messages`` to acknowledge; most mailboxes do not, answered from the
    cached mailbox without queries."""
    due = []
    for mail in messages:
        meta = mail.metadata or {}
        if meta.get("automatic"):
            continue
        mailbox = cached_mailbox(str(meta.get("mailbox", "")))
        if mailbox is None or not mailbox.auto_acknowledge:
            continue
        if wants_acknowledgement(mail, mailbox):
            due.append(mail.pk)
    return due


def do_acknowledge(message_id: int) -> Message | None:
    """Queue the acknowledgement of the ticket ``message_id`` opened. Safe to run twice.

    At most once per ticket, and within the hub's loop limit for automatic messages (two
    helpdesks acknowledging each other stop there): ``hub.actions.do_send_automatic``.
    """
    inbound = Message.objects.filter(pk=message_id).first()
    if inbound is None or not wants_acknowledgement(inbound):
        return None
    mailbox = Mailbox.for_address(inbound.metadata.get("mailbox", "")) or Mailbox.default()
    ticket_id = inbound.ticket_id
    return do_send_automatic(
        ticket_id=ticket_id,
        kind=ACKNOWLEDGEMENT,
        channel=KEY,
        subject=f"{mailbox.acknowledgement_subject} [#{ticket_id}]",
        text=mailbox.acknowledgement_text.replace("{ticket}", str(ticket_id)),
        sender=mailbox.name or mailbox.address,
        once_per_ticket=True,
    )
