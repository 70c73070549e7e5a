"""Mailboxes as the hot path reads them: kept per process for a few seconds.

Every inbound mail needs its mailbox (team, acknowledgement): two queries a mail for rows an
admin changes a few times a year. Dropped at once when a mailbox is saved or deleted in this
process (``apps.py`` connects ``forget_mailboxes``).
"""

from __future__ import annotations

import time
from typing import Any

from channels_email.models import Mailbox

MAILBOX_CACHE_SECONDS = 5.0
_mailboxes: dict[str, tuple[float, Mailbox]] = {}


def cached_mailbox(address: str) -> Mailbox | None:
    """The enabled mailbox for ``address`` with its default team loaded; None is not cached."""
    known = known_mailbox(address)
    if known is not None:
        return known
    key = address.strip().lower()
    mailbox = Mailbox.objects.enabled().select_related("default_team").filter(address=key).first()
    if mailbox is not None:
        _mailboxes[key] = (time.monotonic() + MAILBOX_CACHE_SECONDS, mailbox)
    return mailbox


def known_mailbox(address: str) -> Mailbox | None:
    """``cached_mailbox`` without the database: the mailbox if this process read it lately."""
    hit = _mailboxes.get(address.strip().lower())
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def forget_mailboxes(**kwargs: Any) -> None:
    _mailboxes.clear()
