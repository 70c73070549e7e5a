"""API tokens: made once, stored as a SHA-256 digest, found by their prefix.

A token reads ``hub_<prefix>_<secret>``. The prefix (public, unique) finds the row; the digest
of the whole token, compared in constant time, proves it. The secret has 256 bits, so a fast
hash is enough: nobody guesses it, and the database alone gives no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone

from hub.models import ApiToken

PREFIX = "hub_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """(prefix, token) for a new row; the caller stores ``digest(token)``, never the token."""
    prefix = secrets.token_hex(6)
    return prefix, f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def find(token: str) -> ApiToken | None:
    """The usable token row this token proves (not revoked, not expired), or None."""
    if not token.startswith(PREFIX):
        return None
    prefix, _sep, secret = token[len(PREFIX) :].partition("_")
    if not prefix or not secret:
        return None
    row = ApiToken.objects.usable().select_related("agent__user").filter(prefix=prefix).first()
    if row is None or not hmac.compare_digest(row.digest, digest(token)):
        return None
    return row


def touch(row: ApiToken) -> None:
    """Note the use, at most once a minute per token (a busy integration must not write per call)."""
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
