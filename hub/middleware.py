from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from hub import two_factor
from hub.auth_backend import TWO_FACTOR_ATTR
from hub.net import is_trusted_proxy, rate_key, request_ip
from hub.ratelimit import FailureLimit

log = logging.getLogger(__name__)


class ForwardedProtoMiddleware:
    """Drops X-Forwarded-Proto unless a proxy in TRUSTED_PROXIES sent the request.

    SECURE_PROXY_SSL_HEADER makes Django believe that header, from anyone; a visitor must not
    be able to call a plain http request https (skipping the redirect, getting secure cookies
    over http). Without the header, the scheme is the server's own (uvicorn's, which reads the
    header only from its own allowed proxies).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_X_FORWARDED_PROTO" in request.META and not is_trusted_proxy(str(request.META.get("REMOTE_ADDR"))):
            del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)


def _csp(request: HttpRequest, nonce: str) -> dict[str, str]:
    """The policy of an HTML page, directive by directive.

    Scripts: the hub's own files, or an inline island carrying this response's nonce; no inline
    handlers, no eval. Styles may be inline: the agents' avatars colour themselves with a style
    attribute, htmx adds its indicator style, and the sandboxed e-mail frames (srcdoc documents,
    which inherit this policy) keep the mail's own look. Images from the hub and data: URLs
    only. Sockets back to the hub. Nothing may frame a page unless the view said who may.
    """
    socket = ("wss://" if request.is_secure() else "ws://") + request.get_host()
    return {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self'",
        "connect-src": f"'self' {socket}",
        "media-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy on every HTML response while DEBUG is off.

    ``request.csp_nonce`` is this response's nonce: templates put it on an inline ``<script>``
    (``nonce="{{ request.csp_nonce }}"``). A view that sets a policy of its own keeps its
    directives; the ones it leaves out are added (the embeddable web form names the sites
    that may frame it, and gets the rest from here). In DEBUG, Django's error pages run inline
    scripts, so no policy is sent.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if settings.DEBUG or not response.get("Content-Type", "").startswith("text/html"):
            return response
        own = response.get("Content-Security-Policy", "")
        named = {part.split()[0].lower() for part in own.split(";") if part.strip()}
        added = [f"{name} {value}" for name, value in _csp(request, nonce).items() if name not in named]
        response["Content-Security-Policy"] = "; ".join([p.strip() for p in own.split(";") if p.strip()] + added)
        return response


class AgentLanguageMiddleware:
    """Language from the agent's profile, else the browser's Accept-Language, else the default.
    Sits after AuthenticationMiddleware, which attaches ``request.user``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = translation.get_language_from_request(request)
        user = getattr(request, "user", None)
        agent_language = ""
        if user is not None and user.is_authenticated:
            agent = getattr(user, "agent", None)
            agent_language = getattr(agent, "language", "") or ""
        translation.activate(agent_language or language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


# --- Failed sign-ins and tokens ----------------------------------------------------------------
# Set on a sign-in request this middleware guards, so the failure signal counts only those.
_GUARDED = "_hub_auth_guarded"


def _login_limits() -> tuple[FailureLimit, FailureLimit]:
    window = settings.AUTH_FAILURE_WINDOW_SECONDS
    return (
        FailureLimit("login-account", settings.AUTH_FAILURES_PER_ACCOUNT, window),
        FailureLimit("login-ip", settings.AUTH_FAILURES_PER_ADDRESS, window),
    )


def _token_limit() -> FailureLimit:
    return FailureLimit("token-ip", settings.AUTH_FAILURES_PER_ADDRESS, settings.AUTH_FAILURE_WINDOW_SECONDS)


def credentials_refused(ip: str) -> bool:
    """Whether credentials from ``ip`` are refused untried now (too many failed tokens lately).

    For the receipt doors (``hub.receipt_doors``), which answer in front of this middleware.
    """
    return _token_limit().blocked(rate_key(ip))


def _account(username: object) -> str:
    """The cache key of an account name: one per person however it is spelled, of fixed length."""
    return hashlib.sha256(str(username or "").strip().casefold().encode()).hexdigest()[:32]


def _login_paths() -> set[str]:
    paths = {resolve_url(settings.LOGIN_URL)}
    with contextlib.suppress(NoReverseMatch):  # a project without the admin
        paths.add(reverse("admin:login"))
    return paths


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


class FailedAuthThrottleMiddleware:
    """Sign-ins (the agents' and the admin's) and credentials in ``Authorization`` headers (API
    and webhook tokens) are refused for a while after too many failures, by account and by
    client address (``hub.net``: behind trusted proxies, the real client; an IPv6 client's /64).

    Only failures count: a wrong password (Django's ``user_login_failed``), a request with an
    ``Authorization`` header answered 401. A refused attempt is not tried at all, so a password
    or token cannot be guessed through the block, and it is logged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.login_paths: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.login_paths is None:
            self.login_paths = _login_paths()
        if request.method == "POST" and request.path in self.login_paths:
            return self._sign_in(request)
        if "HTTP_AUTHORIZATION" in request.META:
            return self._token(request)
        return self.get_response(request)

    def _sign_in(self, request: HttpRequest) -> HttpResponse:
        ip = request_ip(request)
        username = str(request.POST.get("username") or "")
        by_account, by_ip = _login_limits()
        for limit, key in ((by_account, _account(username)), (by_ip, rate_key(ip))):
            if limit.blocked(key):
                log.warning(
                    "sign-in refused: too many failures (%s) for %r from %s on %s",
                    limit.scope,
                    username[:150],
                    ip,
                    request.path,
                )
                minutes = _minutes(limit.retry_after())
                response = render(
                    request,
                    # The agents' sign-in page answers for the admin's too: one place says why.
                    "frontend/login.html",
                    {"throttled_minutes": minutes, "next": request.POST.get("next", "")},
                    status=429,
                )
                response["Retry-After"] = str(limit.retry_after())
                return response
        setattr(request, _GUARDED, ip)
        return self.get_response(request)

    def _token(self, request: HttpRequest) -> HttpResponse:
        ip = request_ip(request)
        limit = _token_limit()
        if limit.blocked(rate_key(ip)):
            log.warning("credentials refused: too many failed tokens from %s on %s", ip, request.path)
            minutes = _minutes(limit.retry_after())
            detail = ngettext(
                "Too many failed attempts to authenticate from your address. Try again in %(minutes)d minute.",
                "Too many failed attempts to authenticate from your address. Try again in %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
            return JsonResponse({"detail": detail}, status=429, headers={"Retry-After": str(limit.retry_after())})
        response = self.get_response(request)
        if response.status_code == 401:
            failures = limit.record(rate_key(ip))
            log.info("token refused from %s on %s (%d failures in this window)", ip, request.path, failures)
        return response


def _count_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    ip = getattr(request, _GUARDED, None)
    if request is None or ip is None:
        return  # not a sign-in through the guarded pages (a management command, a test helper)
    username = str(credentials.get("username") or "")
    by_account, by_ip = _login_limits()
    failures = by_account.record(_account(username))
    by_ip.record(rate_key(ip))
    log.info("sign-in failed for %r from %s (%d failures of this account in this window)", username[:150], ip, failures)


def _forget_failures(sender: Any, request: HttpRequest | None = None, user: Any = None, **_: Any) -> None:
    # The account's owner got in: their earlier typos do not count against them any more. The
    # address keeps its count, it may be shared with someone still guessing.
    if user is not None and request is not None and getattr(request, _GUARDED, None) is not None:
        _login_limits()[0].clear(_account(user.get_username()))


user_login_failed.connect(_count_failed_sign_in, dispatch_uid="hub.middleware.count_failed_sign_in")
user_logged_in.connect(_forget_failures, dispatch_uid="hub.middleware.forget_failures")


# --- Two-factor sign-in -------------------------------------------------------------------------


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect the way the asking page can follow it (htmx swaps nothing, it navigates)."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class TwoFactorMiddleware:
    """Every page of a session that owes its second factor leads to the code; every page of an
    admin who must set one up (``Account.require_two_factor_for_admins``) leads to the setup.

    A session logged in with the password alone while its user has an authenticator app (the
    Django admin's own sign-in, or a session from before the app was added) is logged out and
    left waiting for the code (``hub.two_factor.await_code``), whatever path it asked for: the
    workspace, the settings, the API by session, the Django admin. API tokens are a factor of
    their own: a request with a token and no session is anonymous here and passes. Sits after
    ``OTPMiddleware`` (``is_verified``) and the language and message middlewares (its pages and
    notices speak the agent's language).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[set[str], tuple[str, ...]] | None = None

    def _paths(self) -> tuple[set[str], tuple[str, ...]]:
        """(paths that never wait, prefixes an admin who must set up may still open)."""
        if self._open is None:
            always = {reverse(name) for name in ("login", "logout", two_factor.CODE_URL)}
            setup = (reverse(two_factor.SETUP_URL), reverse("agent_language"), reverse("brand_logo"))
            self._open = always, setup
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only the session's user counts here: an API token (``Authorization``) is checked by the
        # API's own authentication, after this, and a request with one but no session passes.
        # A header must not excuse a session: the workspace never reads it.
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        always, setup = self._paths()
        if request.path in always:
            return self.get_response(request)
        # OTPMiddleware installed it: the session gave a code from this user's app.
        if getattr(user, "is_verified", lambda: False)():
            return self.get_response(request)
        if two_factor.has_two_factor(user, known=getattr(user, TWO_FACTOR_ATTR, None)):
            backend = str(request.session.get(BACKEND_SESSION_KEY) or settings.AUTHENTICATION_BACKENDS[0])
            target = request.get_full_path() if request.method == "GET" else ""
            logout(request)
            two_factor.await_code(request.session, user, backend, target)
            log.info("session of %s owes its second factor: sent to the code", user.pk)
            return _go(request, reverse(two_factor.CODE_URL))
        if request.path.startswith(setup) or not two_factor.must_have_two_factor(getattr(user, "agent", None)):
            return self.get_response(request)
        messages.warning(request, gettext("Administrators must use two-factor sign-in here. Set it up to go on."))
        return _go(request, reverse(two_factor.SETUP_URL))
