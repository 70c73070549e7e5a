"""``/agent/settings/``: the first section this agent may open."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from frontend.auth import agent_required
from hub import settings_area
from hub.models import Agent


@require_GET
@agent_required
def home(request: HttpRequest, agent: Agent) -> HttpResponse:
    visible = settings_area.visible_sections(agent)
    if not visible:
        return render(
            request,
            "frontend/settings/denied.html",
            {"agent": agent, "reason": _("Only administrators and team leads can change the hub's settings.")},
            status=403,
        )
    return redirect(reverse(visible[0].index_url_name))
