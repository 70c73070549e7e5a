"""The agent's presence control in the workspace: online, away, offline; and its heartbeat."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from frontend.auth import agent_required
from hub.actions.presence import do_seen, do_set_presence
from hub.models import Agent
from hub.models.teams import Presence
from hub.text import whole_number


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
    """Sent every minute while a workspace tab is open (an online agent stays online), at once
    on input while the hub has the agent away, and when the live feed says the presence changed.
    ``idle``: seconds since the tab's last keyboard or mouse input; ``shown``: what its control
    shows. Answers with the control when that is not the agent's presence (any more)."""
    seconds = whole_number(request.POST.get("idle", ""), max_digits=9)
    idle = None if seconds is None else timedelta(seconds=min(seconds, MAX_IDLE))
    do_seen(agent, idle, returned=request.POST.get("input") == "1")
    if request.POST.get("shown") == agent.presence_shown:
        return HttpResponse(status=204)
    return render(request, "frontend/regions/presence.html", {"agent": agent})


# A day: longer says nothing more, and keeps the number within a timedelta's range.
MAX_IDLE = 86_400
