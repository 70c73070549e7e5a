"""Thread signals of a mail: Message-IDs, our own outbound Message-IDs, subject tokens, prefixes.

Our outbound Message-IDs name the ticket and the message and carry an HMAC, so a reply finds
its ticket even if the outbound message's id was never stored (a crash after the SMTP
server accepted it), and nobody can mint one for a ticket they were never mailed about.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

_MSGID = re.compile(r"<([^<>\s]{1,990})>")
_BARE_MSGID = re.compile(r"[^<>\s\"(),;]+@[^<>\s\"(),;]+")
# The hub's token in subjects: [#1234]. Brackets keep it from matching "order #1234".
_TOKEN = re.compile(r"\[#(\d{1,12})\]")
_OURS = re.compile(r"^<ticket-(\d{1,12})\.msg-(\d{1,15})\.([0-9a-f]{12})@[^>]+>$")
# Reply and forward prefixes: English, German (AW, WG, Antw), Nordic (SV, VS), Dutch, French,
# Spanish, Italian, Polish and the numbered forms some clients write (Re[2]:, AW(3):).
_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|wg|fw|fwd|antw|antwort|sv|vs|vb|vl|doorst|tr|rif|r|ref|odp|pd|res|enc|rv|"
    r"weitergeleitet|wtr)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


def normalize_message_id(value: str) -> str:
    """``<id@host>`` with surrounding noise removed, or '' when there is no usable id."""
    if not value:
        return ""
    match = _MSGID.search(value)
    if match:
        return f"<{match.group(1)}>"
    bare = _BARE_MSGID.search(value.strip())
    return f"<{bare.group(0)}>" if bare else ""


def message_ids(*values: str) -> list[str]:
    """All Message-IDs in header values (References, In-Reply-To), in order, without repeats."""
    seen: dict[str, None] = {}
    for value in values:
        if not value:
            continue
        found = [f"<{m}>" for m in _MSGID.findall(value)]
        if not found:
            one = normalize_message_id(value)
            found = [one] if one else []
        for mid in found:
            seen.setdefault(mid, None)
    return list(seen)


def thread_ids(in_reply_to: str, references: str) -> tuple[str, ...]:
    """Ids to look up, most recent first: In-Reply-To, then References from the newest back."""
    ordered = message_ids(in_reply_to) + list(reversed(message_ids(references)))
    return tuple(dict.fromkeys(ordered))[:50]


def _signature(ticket_id: int, message_id: int) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"email-msgid:{ticket_id}:{message_id}".encode(), hashlib.sha256).hexdigest()[:12]


def outbound_message_id(ticket_id: int, message_id: int, domain: str) -> str:
    """The Message-ID of our outbound message: stable across retries of the same message."""
    return f"<ticket-{ticket_id}.msg-{message_id}.{_signature(ticket_id, message_id)}@{domain}>"


def ticket_of_our_message_id(value: str) -> int | None:
    """The ticket an id of ours names, if the id is genuinely ours (its HMAC checks out)."""
    match = _OURS.match(value)
    if not match:
        return None
    ticket_id, message_id, signature = int(match.group(1)), int(match.group(2)), match.group(3)
    if not hmac.compare_digest(signature, _signature(ticket_id, message_id)):
        return None
    return ticket_id


def ticket_token(subject: str) -> int | None:
    match = _TOKEN.search(subject or "")
    return int(match.group(1)) if match else None


def with_token(subject: str, ticket_id: int) -> str:
    token = f"[#{ticket_id}]"
    base = _TOKEN.sub("", subject or "").strip()
    return f"{base} {token}".strip()


def normalize_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, hub tokens and doubled whitespace."""
    text = _TOKEN.sub(" ", subject or "")
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text)
        text = re.sub(r"^\s*\[(?:re|aw|fwd?|wg)[:\]]\s*", "", text, flags=re.IGNORECASE)
    return _SPACE.sub(" ", text).strip()


def reply_subject(subject: str, ticket_id: int) -> str:
    base = normalize_subject(subject)
    return with_token(f"Re: {base}" if base else "Re:", ticket_id)
