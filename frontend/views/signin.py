"""Signing in: the password, then, for agents with an authenticator app, the code.

The password alone logs no session in when the agent has an app (``hub.two_factor``): the
session waits for the code, which a second page asks for. Wrong codes are counted like wrong
passwords, by account and by address, and refused for a while beyond the limit.
"""

from __future__ import annotations

import logging
import math
from typing import cast

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from hub import audit, two_factor
from hub.actions.two_factor import do_verify_second_factor
from hub.net import rate_key, request_ip

log = logging.getLogger(__name__)


class SignInView(LoginView):
    template_name = "frontend/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        # Whoever waited for a code in this browser before is forgotten: the password decides anew.
        self.request.session.pop(two_factor.PENDING, None)
        if not two_factor.has_two_factor(user):
            return super().form_valid(form)
        backend = getattr(user, "backend", None) or settings.AUTHENTICATION_BACKENDS[0]
        two_factor.await_code(self.request.session, user, backend, self.get_success_url())
        return redirect(two_factor.CODE_URL)


def _safe_next(request: HttpRequest, target: str) -> str:
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if target and allowed else str(settings.LOGIN_REDIRECT_URL)


def _throttled(request: HttpRequest, seconds: int) -> HttpResponse:
    minutes = max(1, math.ceil(seconds / 60))
    response = render(request, "frontend/login_code.html", {"throttled_minutes": minutes}, status=429)
    response["Retry-After"] = str(seconds)
    return response


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def code(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the app, or a recovery code."""
    waiting = two_factor.pending(request.session)
    if waiting is None:
        return redirect("login")
    user, backend, next_url = waiting
    if request.method != "POST":
        return render(request, "frontend/login_code.html", {})
    ip = request_ip(request)
    by_account, by_ip = two_factor.code_limits()
    keys = ((by_account, str(user.pk)), (by_ip, rate_key(ip)))
    for limit, key in keys:
        if limit.blocked(key):
            log.warning(
                "second factor refused: too many wrong codes (%s) for user %s from %s", limit.scope, user.pk, ip
            )
            return _throttled(request, limit.retry_after())
    wait = two_factor.device_wait(user)
    with audit.client_address(ip):
        verified = do_verify_second_factor(user, str(request.POST.get("code") or ""))
    if verified is None:
        for limit, key in keys:
            limit.record(key)
        log.info("wrong second factor for user %s from %s", user.pk, ip)
        return render(request, "frontend/login_code.html", {"wrong": True, "wait_seconds": wait}, status=200)
    by_account.clear(str(user.pk))
    request.session.pop(two_factor.PENDING, None)
    auth.login(request, cast(User, user), backend=backend)
    otp_login(request, verified.device)
    if verified.recovery_code:
        # Likely a lost phone: the page where a new app is set up, saying how many codes are left.
        messages.warning(
            request,
            ngettext(
                "You signed in with a recovery code. %(left)d code is left: set up your app again if you lost it.",
                "You signed in with a recovery code. %(left)d codes are left: set up your app again if you lost it.",
                verified.recovery_codes_left,
            )
            % {"left": verified.recovery_codes_left},
        )
        return redirect(two_factor.SETUP_URL)
    return redirect(_safe_next(request, next_url))
