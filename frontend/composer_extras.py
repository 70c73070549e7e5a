"""What the composer shows besides the text: the draft's files, Cc/Bcc and the signature."""

from __future__ import annotations

from typing import Any

from hub.actions.uploads import draft_uploads
from hub.adapters import UnknownChannel, get_adapter
from hub.models import Agent, Ticket
from hub.replies import reply_defaults
from hub.signatures import signature_for


def context(ticket: Ticket, agent: Agent, channel: str, usable: bool) -> dict[str, Any]:
    try:
        adapter = get_adapter(channel)
    except UnknownChannel:
        return {"uploads": draft_uploads(ticket, agent), "attach": None}
    defaults = reply_defaults(adapter, ticket.pk) if usable else {}
    limits = adapter.attachment_limits()
    return {
        "uploads": draft_uploads(ticket, agent),
        "attach": limits if usable and limits.max_bytes > 0 else None,
        "attach_types": ",".join(sorted(limits.types)),
        # Cc and Bcc where the channel sends copies (email), prefilled with the thread's others.
        "copies": "cc" in defaults,
        "cc_suggested": ", ".join(defaults.get("cc") or []),
        "signature": signature_for(ticket, agent, channel) if "signature" in defaults else "",
    }
