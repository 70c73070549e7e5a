"""What the composer starts an email reply with: the thread's other recipients and the signature."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from channels_email.models import Mailbox
from channels_email.outbound import _latest_inbound, mailbox_for, recipient_for
from hub import memo
from hub.adapters import AttachmentLimits
from hub.models import Ticket


def attachment_limits() -> AttachmentLimits:
    return AttachmentLimits(
        max_bytes=settings.EMAIL_OUTBOUND_MAX_ATTACHMENT_BYTES, max_files=settings.EMAIL_OUTBOUND_MAX_ATTACHMENTS
    )


def suggested_cc(ticket_id: int) -> list[str]:
    """Who else the customer's latest mail went to (its To and Cc), less our own mailboxes and
    the address the reply goes to anyway: "reply all", as the customer's mail program would."""
    latest = _latest_inbound(ticket_id)
    if latest is None:
        return []
    if memo.active():
        ours = {m.address for m in Mailbox.all_here()}
    else:
        ours = set(Mailbox.objects.values_list("address", flat=True))
    recipient, _problem = recipient_for(ticket_id)
    found: dict[str, None] = {}
    for address in [*(latest.metadata.get("to") or []), *(latest.metadata.get("cc") or [])]:
        if not isinstance(address, str) or "@" not in address:
            continue
        key = address.strip().lower()
        if key not in ours and key != recipient:
            found[key] = None
    return list(found)


def reply_defaults(ticket_id: int) -> dict[str, Any]:
    ticket = memo.cached(("ticket", ticket_id), lambda: Ticket.objects.filter(pk=ticket_id).first())
    if ticket is None:
        return {}
    return {"cc": suggested_cc(ticket_id), "signature": mailbox_for(ticket).signature}
