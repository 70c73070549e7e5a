"""The agent's presence control in the workspace: online, away, offline; and its heartbeat."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from frontend.auth import agent_required
from hub.actions.presence import do_seen, do_set_presence
from hub.models import Agent
from hub.models.teams import Presence


@require_POST
@agent_required
def set_presence(request: HttpRequest, agent: Agent) -> HttpResponse:
    presence = request.POST.get("presence", "")
    if presence in Presence.values:
        do_set_presence(agent, presence)
    return render(request, "frontend/regions/presence.html", {"agent": agent})


@require_POST
@agent_required
def seen(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Sent every minute while a workspace tab is open: an online agent stays online."""
    do_seen(agent)
    return HttpResponse(status=204)
