"""Invitation links: signed, expiring, and valid only for the latest mail of a pending invitation."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.core import signing
from django.utils import timezone

from hub.models import Invitation

SALT = "hub.invitation"
# How long a link works after it was (re)sent.
VALID_FOR = timedelta(days=7)


def token_for(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SALT, compress=True)


def find(token: str) -> Invitation | None:
    """The pending, unexpired invitation a link names, or None for anything else (forged,
    expired, resent since, revoked, used)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=VALID_FOR)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    pk = data.get("i")
    if not isinstance(pk, int):
        return None
    invitation = Invitation.objects.select_related("agent__user").filter(pk=pk).first()
    if invitation is None or not invitation.is_pending or invitation.expires_at <= timezone.now():
        return None
    if not hmac.compare_digest(str(data.get("n", "")), invitation.nonce):
        return None
    return invitation
