"""Signatures of email replies: the agent's own, then the mailbox's, placeholders filled in.

Both are texts with canned-reply placeholders (``hub.canned.render_for``: sandboxed, one pass).
A channel has signatures when its ``reply_defaults`` names one (email); chat and SMS have none.
"""

from __future__ import annotations

from hub.adapters import UnknownChannel, get_adapter
from hub.canned import render_for
from hub.models import Agent, Ticket
from hub.replies import reply_defaults

# RFC 3676 4.3: mail programs recognize "-- " on a line of its own as the start of a signature.
SEPARATOR = "\n\n-- \n"


def signature_for(ticket: Ticket, agent: Agent, channel: str) -> str:
    """The signature a reply by ``agent`` on ``channel`` ends with, "" for none."""
    try:
        defaults = reply_defaults(get_adapter(channel), ticket.pk)
    except UnknownChannel:
        return ""
    if "signature" not in defaults:
        return ""
    parts = [agent.signature, str(defaults.get("signature") or "")]
    return "\n\n".join(render_for(p.strip(), ticket, agent).text for p in parts if p.strip())


def signed(text: str, signature: str) -> str:
    return f"{text.rstrip()}{SEPARATOR}{signature}" if signature else text
