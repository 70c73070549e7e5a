"""Messages to customers that no agent wrote: acknowledgements, transcripts, form confirmations.

Every channel sends them through ``do_send_automatic``, so one loop guard stands between the
hub and an autoresponder that answers everything: at most ``AUTO_MESSAGE_LIMIT`` automatic
messages per address and 24 hours, whichever channel asked for them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hub import realtime
from hub.adapters import get_adapter
from hub.models import AutomaticMessage, DeliveryStatus, Direction, Message, MessageKind, Ticket

log = logging.getLogger(__name__)

# RFC 3834: an answer to a customer's message is "auto-replied"; anything else the hub sends on
# its own (a transcript asked for in the widget) is "auto-generated".
# A routing rule's automatic answer (kind ``rule-<id>``) answers a customer's message too.
REPLY_KINDS = frozenset({"acknowledgement", "confirmation"})


def _is_reply(kind: str) -> bool:
    return kind in REPLY_KINDS or kind.startswith("rule-")


def do_send_automatic(
    *,
    ticket_id: int,
    kind: str,
    subject: str,
    text: str,
    channel: str = "email",
    to: str = "",
    sender: str = "",
    once_per_ticket: bool = False,
) -> Message | None:
    """Queue an automatic ``kind`` message on ``ticket_id`` to ``to`` (default: the channel's
    recipient for the ticket); delivery runs after commit. None when there is nobody to send to,
    the loop limit is reached (recorded as suppressed, with a warning), or ``once_per_ticket``
    and the ticket already had one of this kind.

    Locking: takes the ticket's row lock (``SELECT … FOR UPDATE``) for the count and the insert,
    so two runs for one ticket queue one message; the per-address count is not locked across
    tickets (two tickets of one address at the same instant may both pass the last slot).
    Safe to run twice: a ``once_per_ticket`` kind is unique per ticket in the database.
    """
    address = to.strip() or get_adapter(channel).recipient(ticket_id)
    if not address:
        log.info("automatic %s on ticket %s not sent: no %s recipient", kind, ticket_id, channel)
        return None
    try:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
            if ticket is None:
                return None
            if once_per_ticket and AutomaticMessage.objects.filter(ticket=ticket, kind=kind, once=True).exists():
                return None
            since = timezone.now() - timedelta(hours=24)
            recent = AutomaticMessage.objects.filter(address=address, created_at__gte=since, suppressed="").count()
            if recent >= settings.AUTO_MESSAGE_LIMIT:
                AutomaticMessage.objects.create(
                    address=address,
                    channel=channel,
                    kind=kind,
                    ticket=ticket,
                    once=once_per_ticket,
                    suppressed=f"{recent} automatic messages to this address in 24 h",
                )
                log.warning("automatic %s on ticket %s to %s suppressed: loop limit", kind, ticket.pk, address)
                return None
            message = Message.objects.create(
                ticket=ticket,
                channel=channel,
                direction=Direction.OUTBOUND,
                kind=MessageKind.SYSTEM,
                sender=sender,
                subject=ticket.subject,
                text=text,
                delivery_status=DeliveryStatus.QUEUED,
                metadata={
                    "automatic": kind,
                    "auto_submitted": "auto-replied" if _is_reply(kind) else "auto-generated",
                    "to": [address],
                    "subject": subject,
                },
            )
            AutomaticMessage.objects.create(
                address=address, channel=channel, kind=kind, ticket=ticket, message=message, once=once_per_ticket
            )
            realtime.ticket_changed(ticket, "message.added", message_id=message.pk)
            from hub.tasks import deliver

            deliver.delay_on_commit(message.pk)  # type: ignore[attr-defined]  # celery-types lacks it
    except IntegrityError:
        return None  # another run sent this ticket's one message of this kind first
    log.info("automatic %s on ticket %s queued to %s as message %s", kind, ticket_id, address, message.pk)
    return message
