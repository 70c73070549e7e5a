"""``/setup/``: the one-time first run of a fresh install (issue: first run)."""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from frontend.settings.forms.setup import SetupForm
from hub import settings_area
from hub.actions.setup import SetupDone, do_first_run, needs_setup

log = logging.getLogger(__name__)


def _channel_screens() -> list[tuple[str, str]]:
    """The channel sections that can be set up first (each channel app registers its own)."""
    return [(s.key, str(s.label)) for s in settings_area.sections() if s.group == settings_area.CHANNELS]


def _next_url(first_channel: str) -> str:
    if first_channel:
        for name in (f"settings:{first_channel}:new", f"settings:{first_channel}:index"):
            try:
                return reverse(name)
            except NoReverseMatch:
                continue
    return reverse("settings:home")


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    if not needs_setup():
        return redirect("home")
    form = SetupForm(request.POST or None, channel_choices=_channel_screens())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agent = do_first_run(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                company=data["company"],
                language=data["language"],
                time_zone=data["time_zone"],
            )
        except SetupDone:
            return redirect("home")
        login(request, agent.user, backend=settings.AUTHENTICATION_BACKENDS[0])
        # Said in the language the administrator chose, which every next page speaks, not the browser's.
        translation.activate(agent.language or data["language"])
        if data["demo_data"]:
            try:
                call_command("seed_demo", stdout=io.StringIO())
                messages.success(request, _("Demo data added: look at the tickets in “All open”."))
            except Exception:  # the hub is set up either way; the demo is a bonus
                log.exception("demo data during the first run failed")
                messages.error(request, _("The demo data could not be added; the log says why."))
        messages.success(request, _("Welcome! Your hub is set up and you are its administrator."))
        return redirect(_next_url(data["first_channel"]))
    return render(request, "frontend/settings/setup.html", {"form": form})
