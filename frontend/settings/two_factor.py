"""``/agent/two-factor/``: an agent's own two-factor sign-in: set up an authenticator app (QR code
and key, confirmed with a code), see the recovery codes once, switch it off (password and code).

Every agent may open it, whatever their role; an administrator whom the account requires to use
two-factor sign-in is sent here until it is set up (``hub.middleware.TwoFactorMiddleware``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from frontend.auth import agent_required
from frontend.settings.forms.two_factor import ConfirmForm, DisableForm
from hub import audit, branding, two_factor
from hub.actions.two_factor import (
    do_begin_two_factor,
    do_confirm_two_factor,
    do_disable_two_factor,
    do_verify_second_factor,
)
from hub.models import Agent
from hub.net import rate_key, request_ip

log = logging.getLogger(__name__)
TEMPLATE = "frontend/settings/two_factor.html"


def _page(request: HttpRequest, agent: Agent, **extra: Any) -> HttpResponse:
    status = int(extra.pop("status", 200))
    user = agent.user
    enabled = two_factor.has_two_factor(user)
    context: dict[str, Any] = {
        "agent": agent,
        "enabled": enabled,
        "required": two_factor.must_have_two_factor(agent),
        "codes_left": two_factor.recovery_codes_left(user) if enabled else 0,
        "disable_form": extra.pop("disable_form", None) or DisableForm(),
        "confirm_form": extra.pop("confirm_form", None) or ConfirmForm(),
    }
    device = None if enabled else two_factor.totp_device(user, confirmed=False)
    if device is not None:
        uri = two_factor.otpauth_uri(device, branding.brand().name)
        context |= {
            "setup": True,
            "qr": two_factor.qr_data_uri(uri),
            "secret": two_factor.grouped(two_factor.secret_of(device)),
        }
    response = render(request, TEMPLATE, context | extra, status=status)
    # The key of an app being set up is on this page: no cache keeps it.
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@agent_required
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    return _page(request, agent)


@require_POST
@agent_required
def begin(request: HttpRequest, agent: Agent) -> HttpResponse:
    if not two_factor.has_two_factor(agent.user):
        do_begin_two_factor(agent.user)
    return redirect(two_factor.SETUP_URL)


@require_POST
@sensitive_post_parameters("code")
@agent_required
def confirm(request: HttpRequest, agent: Agent) -> HttpResponse:
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _page(request, agent, confirm_form=form, status=400)
    with audit.client_address(request_ip(request)):
        confirmed = do_confirm_two_factor(agent.user, form.cleaned_data["code"])
    if confirmed is None:
        form.add_error("code", _("That code is not right. Check the time on your phone and try the next code."))
        return _page(request, agent, confirm_form=form, status=400)
    device, codes = confirmed
    # This session just showed a code from the app: it is verified; the agent's other sessions
    # are asked for a code on their next page.
    otp_login(request, device)
    # The recovery codes are in this response only: nothing keeps them to show again.
    response = render(
        request, "frontend/settings/two_factor_codes.html", {"codes": [two_factor.shown_code(c) for c in codes]}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@sensitive_post_parameters("password", "code")
@agent_required
def disable(request: HttpRequest, agent: Agent) -> HttpResponse:
    user = agent.user
    form = DisableForm(request.POST)
    if two_factor.must_have_two_factor(agent):
        messages.error(request, _("Administrators must use two-factor sign-in on this hub; it cannot be switched off."))
        return redirect(two_factor.SETUP_URL)
    if not form.is_valid():
        return _page(request, agent, disable_form=form, status=400)
    ip = request_ip(request)
    by_account, by_ip = two_factor.code_limits()
    keys = ((by_account, str(user.pk)), (by_ip, rate_key(ip)))
    if any(limit.blocked(key) for limit, key in keys):
        form.add_error(None, _("Too many wrong attempts. Please try again later."))
        return _page(request, agent, disable_form=form, status=429)
    with audit.client_address(ip):
        right = user.check_password(form.cleaned_data["password"]) and (
            do_verify_second_factor(user, form.cleaned_data["code"]) is not None
        )
        if right:
            do_disable_two_factor(user)
    if not right:
        for limit, key in keys:
            limit.record(key)
        log.info("two-factor not switched off for user %s from %s: wrong password or code", user.pk, ip)
        form.add_error(None, _("The password or the code is not right."))
        return _page(request, agent, disable_form=form, status=400)
    messages.success(request, _("Two-factor sign-in is off. You sign in with your password alone."))
    return redirect(two_factor.SETUP_URL)
