"""Channel-local state changes of the email channel: bounces and automatic acknowledgements."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from channels_email.models import AutoMail, Mailbox
from channels_email.outbound import recipient_for
from hub import realtime
from hub.identity import InvalidIdentity, normalize_email
from hub.models import DeliveryStatus, Direction, Identity, IdentityKind, Message, MessageKind

log = logging.getLogger(__name__)
ACKNOWLEDGEMENT = "acknowledgement"


def _normalized(addresses: list[str]) -> list[str]:
    out = []
    for address in addresses:
        try:
            out.append(normalize_email(address))
        except InvalidIdentity:
            continue
    return out


def apply_inbound(message: Message) -> None:
    """Effects of an inbound mail on addresses and on the bounced message. Idempotent.

    Runs inside the transaction that stored the message. A permanent bounce marks the
    address as bouncing (agents see why replies are refused) and fails the bounced outbound
    message; a mail from a person proves their address works again.
    """
    meta: dict[str, Any] = message.metadata or {}
    bounce = meta.get("bounce")
    if meta.get("automatic") == "bounce" and isinstance(bounce, dict):
        if bounce.get("permanent"):
            Identity.objects.filter(
                kind=IdentityKind.EMAIL, value__in=_normalized(list(bounce.get("recipients") or []))
            ).update(bouncing=True)
        original = bounce.get("original_message_id") or ""
        if original:
            reason = f"bounced: {bounce.get('status', '')} {bounce.get('diagnostic', '')}".strip()
            Message.objects.filter(channel="email", external_id=original, direction=Direction.OUTBOUND).update(
                delivery_status=DeliveryStatus.FAILED if bounce.get("permanent") else DeliveryStatus.SENT,
                delivery_error=reason[:2000],
            )
        return
    if not meta.get("automatic") and meta.get("from"):
        Identity.objects.filter(kind=IdentityKind.EMAIL, value__in=_normalized([meta["from"]]), bouncing=True).update(
            bouncing=False
        )


def apply_inbound_all(messages: list[Message]) -> None:
    """``apply_inbound`` for many mails stored together, in their order, with one UPDATE for
    all the senders of person-written mail between bounces (usually one for all)."""
    senders: list[str] = []
    for message in messages:
        meta: dict[str, Any] = message.metadata or {}
        if meta.get("automatic") == "bounce":
            _working_again(senders)
            senders = []
            apply_inbound(message)
        elif not meta.get("automatic") and meta.get("from"):
            senders.append(meta["from"])
    _working_again(senders)


def _working_again(addresses: list[str]) -> None:
    if addresses:
        Identity.objects.filter(kind=IdentityKind.EMAIL, value__in=_normalized(addresses), bouncing=True).update(
            bouncing=False
        )


def wants_acknowledgement(message: Message) -> bool:
    meta = message.metadata or {}
    if meta.get("automatic") or message.direction != Direction.INBOUND:
        return False
    mailbox = Mailbox.for_address(meta.get("mailbox", ""))
    if mailbox is None or not mailbox.auto_acknowledge:
        return False
    # Only the mail that opened the ticket is acknowledged, never a follow-up.
    return not Message.objects.filter(ticket_id=message.ticket_id).exclude(pk=message.pk).exists()


def do_acknowledge(message_id: int) -> Message | None:
    """Queue the acknowledgement of the ticket ``message_id`` opened. Safe to run twice.

    Never to automatic mail, at most once per ticket, and at most EMAIL_AUTO_MAIL_LIMIT
    automatic mails per address per day: two helpdesks acknowledging each other stop there.
    """
    inbound = Message.objects.select_related("ticket").filter(pk=message_id).first()
    if inbound is None or not wants_acknowledgement(inbound):
        return None
    ticket = inbound.ticket
    mailbox = Mailbox.for_address(inbound.metadata.get("mailbox", "")) or Mailbox.default()
    address, problem = recipient_for(ticket)
    if address is None or problem:
        return None
    since = timezone.now() - timedelta(hours=24)
    try:
        with transaction.atomic():
            recent = AutoMail.objects.filter(address=address, created_at__gte=since, suppressed="").count()
            if recent >= settings.EMAIL_AUTO_MAIL_LIMIT:
                AutoMail.objects.create(
                    address=address,
                    kind=ACKNOWLEDGEMENT,
                    ticket=ticket,
                    suppressed=f"{recent} automatic mails to this address in 24 h",
                )
                log.warning("acknowledgement of ticket %s to %s suppressed: loop limit", ticket.pk, address)
                return None
            text = mailbox.acknowledgement_text.replace("{ticket}", str(ticket.pk))
            message = Message.objects.create(
                ticket=ticket,
                channel="email",
                direction=Direction.OUTBOUND,
                kind=MessageKind.SYSTEM,
                sender=mailbox.name or mailbox.address,
                subject=ticket.subject,
                text=text,
                delivery_status=DeliveryStatus.QUEUED,
                metadata={
                    "automatic": ACKNOWLEDGEMENT,
                    "to": [address],
                    "subject": f"{mailbox.acknowledgement_subject} [#{ticket.pk}]",
                },
            )
            AutoMail.objects.create(address=address, kind=ACKNOWLEDGEMENT, ticket=ticket, message=message)
            realtime.ticket_changed(ticket, "message.added", message_id=message.pk)
            from hub.tasks import deliver

            deliver.delay_on_commit(message.pk)  # type: ignore[attr-defined]  # celery-types lacks it
    except IntegrityError:
        return None  # another run acknowledged this ticket first
    return message
