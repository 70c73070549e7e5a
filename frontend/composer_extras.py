"""What the composer shows besides the text: the draft's files, Cc/Bcc, the signature, and the
images of its rich text (the agent's inline draft uploads, under a URL of their own)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.urls import reverse

from hub.actions.uploads import INLINE_TYPES, draft_uploads
from hub.adapters import UnknownChannel, get_adapter
from hub.models import Agent, Draft, Ticket
from hub.replies import reply_defaults
from hub.richtext import inline_ref, with_image_urls
from hub.signatures import signature_for


def image_url(ticket_id: int, upload_id: int) -> str:
    return reverse("agent_draft_image", args=[ticket_id, upload_id])


def image_ref(ticket_id: int) -> Callable[[str], str | None]:
    """The editor's image ``src`` → ``hub.richtext.inline_ref``, for the agent's images on this
    ticket only (the upload view's own URL); any other source is no image of the reply."""
    own = re.compile(re.escape(reverse("agent_upload", args=[ticket_id])) + r"([0-9]{1,18})/")

    def ref(src: str) -> str | None:
        match = own.fullmatch(src)
        return inline_ref(int(match.group(1))) if match else None

    return ref


def editor_html(html: str, ticket_id: int) -> str:
    """A draft's cleaned rich text as the editor shows it: its images under their URLs."""
    return with_image_urls(html, lambda upload_id: image_url(ticket_id, upload_id))


def context(ticket: Ticket, agent: Agent, channel: str, usable: bool, draft: Draft | None = None) -> dict[str, Any]:
    try:
        adapter = get_adapter(channel)
    except UnknownChannel:
        return {"uploads": draft_uploads(ticket, agent), "attach": None}
    defaults = reply_defaults(adapter, ticket.pk) if usable else {}
    limits = adapter.attachment_limits()
    suggested = ", ".join(defaults.get("cc") or [])
    return {
        "uploads": draft_uploads(ticket, agent),
        "attach": limits if usable and limits.max_bytes > 0 else None,
        "attach_types": ",".join(sorted(limits.types)),
        "image_types": ",".join(sorted(INLINE_TYPES)),
        # Cc and Bcc where the channel sends copies (email), prefilled with the thread's others,
        # unless the agent's draft says otherwise.
        "copies": "cc" in defaults,
        "cc_suggested": suggested if draft is None or draft.cc is None else draft.cc,
        "bcc_value": (draft.bcc or "") if draft is not None else "",
        "draft_html": editor_html(draft.html, ticket.pk) if draft is not None and draft.mode == "reply" else "",
        "signature": signature_for(ticket, agent, channel) if "signature" in defaults else "",
    }
