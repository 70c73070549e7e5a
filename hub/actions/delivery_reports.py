"""What providers report about messages we hold: how an outbound text was delivered, and how a
call went (its outcome, duration, the agent who took it, its recording and transcript).

Providers send these reports in any order and more than once; each action applies a report
only where it moves the message forward, so a late or repeated one changes nothing.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from hub import events, realtime
from hub.adapters import InboundAttachment
from hub.models import Agent, Attachment, DeliveryStatus, Direction, Message, MessageKind, Ticket
from hub.pipeline.store import new_attachments
from hub.sla import hooks as sla

# How far along a delivery is; a report never moves a message back. Delivered and failed are final.
_RANK: dict[str, int] = {
    DeliveryStatus.QUEUED: 1,
    DeliveryStatus.SENDING: 2,
    DeliveryStatus.SENT: 3,
    DeliveryStatus.DELIVERED: 4,
    DeliveryStatus.FAILED: 4,
}
REPORTED = (DeliveryStatus.QUEUED, DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)

APPLIED = "applied"
IGNORED = "ignored"  # not newer than what the message shows, or no such outbound message
EARLY = "early"  # the message is still being sent: report again once the send is recorded


def do_record_delivery_report(*, message_id: int, status: str, error: str = "", external_id: str = "") -> str:
    """A provider's delivery report on our outbound message: queued, sent, delivered or failed
    (``error`` with the provider's code, shown to the agent). Returns APPLIED, IGNORED or EARLY.

    Locks the message row (SELECT … FOR UPDATE) in its own transaction, so two reports of one
    message apply one after the other. A report for a message still ``queued`` or ``sending`` is
    EARLY and changes nothing: the delivery task records the send's own result after the
    provider answered, and would write over it; the caller reports again later. A failure
    records a ``delivery_failed`` event; agents see the change live (after commit).
    """
    if status not in REPORTED:
        raise ValueError(f"unknown delivery status {status!r}")
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(pk=message_id, direction=Direction.OUTBOUND)
            .only("id", "ticket_id", "delivery_status", "external_id")
            .first()
        )
        if message is None or (external_id and message.external_id and message.external_id != external_id):
            return IGNORED
        current = message.delivery_status
        if current in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING):
            return EARLY
        if current in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED) or _RANK[status] <= _RANK.get(current, 0):
            return IGNORED
        Message.objects.filter(pk=message.pk).update(
            delivery_status=status, delivery_error=error[:2000] if status == DeliveryStatus.FAILED else ""
        )
        ticket = Ticket.objects.only("id", "team_id", "assignee_id", "version").get(pk=message.ticket_id)
        if status == DeliveryStatus.FAILED:
            events.delivery_failed(ticket=ticket, message_id=message.pk, error=error[:500], final=True)
        realtime.ticket_changed(ticket, "message.updated", message_id=message.pk)
    return APPLIED


def do_record_call_report(
    *,
    channel: str,
    external_id: str,
    details: dict[str, Any],
    answered_by: Agent | None = None,
    recording: InboundAttachment | None = None,
    transcript: str | None = None,
    callback_due_at: datetime | None = None,
    callback_reason: str = "",
) -> Message | None:
    """The provider's report on a call the pipeline stored as a message of kind ``call`` (by its
    ``external_id`` on ``channel``): None when there is no such message yet (the caller reports
    again once the pipeline stored it).

    ``details`` (status, outcome, duration, …) are merged into the message's metadata. The agent
    who answered gets the ticket when nobody has it. A ``recording`` becomes an attachment of the
    message (once per content: a repeated report adds nothing); a ``transcript`` becomes the
    message's text (the call card shows it collapsed). ``callback_due_at``: a missed call or a
    voicemail; the ticket's timeline gets one ``callback_due`` event per call.

    Locks the ticket (FOR NO KEY UPDATE, as a reply does), then the message (FOR UPDATE), in
    its own transaction; agents see the change live after commit.
    """
    found = (
        Message.objects.filter(channel=channel, external_id=external_id, kind=MessageKind.CALL)
        .values_list("pk", "ticket_id")
        .first()
    )
    if found is None:
        return None
    message_id, ticket_id = found
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(no_key=True).defer("history").get(pk=ticket_id)
        message = Message.objects.select_for_update().get(pk=message_id)
        metadata = dict(message.metadata or {})
        # Reports repeat; the first that names who answered is the response.
        answered_now = answered_by is not None and not metadata.get("answered_by")
        metadata.update(details)
        fields = ["metadata"]
        if transcript is not None and transcript.strip():
            message.text = transcript.strip()
            metadata["transcribed"] = True
            fields.append("text")
        if recording is not None and not _has_content(message, recording.content):
            Attachment.objects.bulk_create(new_attachments(message, (recording,)))
            metadata["recording"] = True
        ticket_fields: list[str] = []
        # The SLA: an answered call responds; a missed one is to be called back when the
        # response is due (the channel's own default without a policy).
        sla_fields, response_due = sla.call_reported(ticket, answered=answered_now, at=timezone.now())
        ticket_fields += sla_fields
        if callback_due_at is not None and response_due is not None:
            callback_due_at = response_due
        if answered_by is not None and ticket.assignee_id is None:
            ticket.assignee = answered_by
            ticket_fields.append("assignee")
            events.assigned(ticket=ticket, actor=None, assignee_id=answered_by.pk, previous_id=None)
        if callback_due_at is not None and not metadata.get("callback_due_at"):
            due = callback_due_at.isoformat()
            metadata["callback_due_at"] = due
            events.callback_due(ticket=ticket, message_id=message.pk, due_at=due, reason=callback_reason)
        message.metadata = metadata
        message.save(update_fields=fields)
        ticket.version += 1
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=[*ticket_fields, "version", "updated_at"])
        realtime.ticket_changed(ticket, "message.updated", message_id=message.pk)
    return message


def _has_content(message: Message, content: bytes) -> bool:
    digest = hashlib.sha256(content).hexdigest()
    return Attachment.objects.filter(message=message, sha256=digest).exists()
