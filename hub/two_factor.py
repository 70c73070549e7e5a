"""Two-factor sign-in: who has a second factor, who must, and the sign-in between password and code.

Agents may add an authenticator app (django-otp's TOTP device) and get one-time recovery codes
with it (its static device). A sign-in with a device is two steps: the password alone does not
log the session in, it only leaves the user *waiting for a code* in the session (``PENDING``);
the code logs in and marks the session verified (``django_otp.login``: ``user.is_verified()``).
A session that is logged in but not verified while its user has a device (the Django admin's
own login, or a session older than the device) is put back to waiting by
``hub.middleware.TwoFactorMiddleware``, on every path; websockets treat it as anonymous
(``VerifiedSocketMiddleware``). API tokens are a factor of their own and are not asked.

Wrong codes are counted like wrong passwords (``hub.ratelimit.FailureLimit``, by account and by
client address), besides django-otp's own delay per device, which holds while the cache is down.
"""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import quote, urlencode

import segno
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub.auth_backend import TWO_FACTOR_ATTR
from hub.models import Account, Agent, Role
from hub.ratelimit import FailureLimit

# Session key of a sign-in that gave the password and owes the code:
# {"user": pk, "backend": dotted path, "at": unix time, "next": where to go after}.
PENDING = "hub_two_factor_pending"
# The code must follow the password within this many seconds, else the password is asked again.
PENDING_SECONDS = 600
RECOVERY_CODES = 10

# The URL names the middleware sends people to (the frontend's pages).
CODE_URL = "login_code"
SETUP_URL = "two_factor"


def totp_device(user: AbstractBaseUser | AnonymousUser, *, confirmed: bool = True) -> TOTPDevice | None:
    if user.pk is None:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=confirmed).order_by("-id").first()


def has_two_factor(user: AbstractBaseUser | AnonymousUser, *, known: bool | None = None) -> bool:
    """Whether signing in as ``user`` asks for a code (a confirmed authenticator app).

    ``known``: the answer read with the session's user at the start of this request
    (``hub.auth_backend``), used instead of asking again; only for checks made before the
    request changed anything.
    """
    if known is not None:
        return known
    return user.pk is not None and TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def must_have_two_factor(agent: Agent | None) -> bool:
    """Whether the account requires this agent to set up two-factor sign-in (admins, when asked)."""
    if agent is None or agent.role != Role.ADMIN:
        return False
    return Account.objects.filter(pk=1, require_two_factor_for_admins=True).exists()


# --- The sign-in between password and code ------------------------------------------------------


def await_code(session: SessionBase, user: AbstractBaseUser, backend: str, next_url: str) -> None:
    """The password was right: remember who signs in, without logging the session in.

    A new session key, as a login would get: nobody who knew the old one can ride on this one.
    """
    session.cycle_key()
    session[PENDING] = {"user": user.pk, "backend": backend, "at": int(time.time()), "next": next_url}


def pending(session: SessionBase) -> tuple[AbstractBaseUser, str, str] | None:
    """(user, backend, next URL) of the sign-in that waits for its code, or None (none, or too old)."""
    data = session.get(PENDING)
    if not isinstance(data, dict) or int(time.time()) - int(data.get("at", 0)) > PENDING_SECONDS:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=int(data.get("user") or 0), is_active=True).first()
    if user is None:
        return None
    return user, str(data.get("backend") or settings.AUTHENTICATION_BACKENDS[0]), str(data.get("next") or "")


def code_limits() -> tuple[FailureLimit, FailureLimit]:
    """Wrong codes by account, then by client address (``hub.net.rate_key``)."""
    window = settings.AUTH_FAILURE_WINDOW_SECONDS
    return (
        FailureLimit("otp-account", settings.TWO_FACTOR_FAILURES_PER_ACCOUNT, window),
        FailureLimit("otp-ip", settings.AUTH_FAILURES_PER_ADDRESS, window),
    )


def normalized(code: str) -> str:
    """A code as typed, without the spaces and hyphens people copy with it."""
    return "".join(code.split()).replace("-", "").lower()[:32]


def device_wait(user: AbstractBaseUser) -> int:
    """Seconds django-otp's own delay after wrong codes still holds for the user's app, or 0."""
    device = totp_device(user)
    if device is None:
        return 0
    allowed, info = device.verify_is_allowed()
    if allowed or not info or not info.get("locked_until"):
        return 0
    from django.utils import timezone

    return max(1, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)


# --- Setting it up ------------------------------------------------------------------------------


def otpauth_uri(device: TOTPDevice, issuer: str) -> str:
    """The ``otpauth://`` address authenticator apps read from the QR code."""
    issuer = issuer.replace(":", "").strip() or "Service Hub"
    label = f"{issuer}:{device.user.get_username()}"
    query = urlencode({"secret": secret_of(device), "issuer": issuer, "algorithm": "SHA1", "digits": 6, "period": 30})
    return f"otpauth://totp/{quote(label)}?{query}"


def secret_of(device: TOTPDevice) -> str:
    """The key as people type it into an app that cannot scan: base32, without padding."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(text: str) -> str:
    """An SVG QR code of ``text`` as a ``data:`` URI (the page's policy allows data: images)."""
    return str(segno.make(text, error="m").svg_data_uri(scale=5, border=2))


def new_recovery_codes() -> list[str]:
    return [StaticToken.random_token() for _ in range(RECOVERY_CODES)]


def shown_code(code: str) -> str:
    """A recovery code as the page shows it: two groups of four."""
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def static_device(user: AbstractBaseUser) -> StaticDevice | None:
    return StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()


# --- Websockets ---------------------------------------------------------------------------------


def _socket_user_unverified(user: Any, session: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or session is None:
        return False
    if getattr(user, TWO_FACTOR_ATTR, None) is False:
        return False  # read with the session's user: no authenticator app (hub.auth_backend)
    persistent = session.get(DEVICE_ID_SESSION_KEY)
    device = totp_device(user)
    if device is None:
        return False
    static = static_device(user)
    verified_by = {device.persistent_id} | ({static.persistent_id} if static else set())
    return persistent not in verified_by


class VerifiedSocketMiddleware:
    """Inside Channels' ``AuthMiddlewareStack``: a socket whose session owes its second factor is
    anonymous, as the same session is for every page (``hub.middleware.TwoFactorMiddleware``)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user = scope.get("user")
        if user is not None:
            # Resolve the lazy user in a thread (it reads the session and the user table).
            unverified = await sync_to_async(_socket_user_unverified)(user, scope.get("session"))
            if unverified:
                scope = dict(scope, user=AnonymousUser())
        return await self.inner(scope, receive, send)
