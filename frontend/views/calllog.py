"""Logging a desk-phone call on a ticket (``hub.actions.calls``): the form under the composer."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend import htmx, regions
from frontend.auth import agent_required
from frontend.views.guards import changes_allowed
from hub.actions.calls import MAX_SECONDS, do_log_call
from hub.models import Agent

# "7", "7:30", "0:45", "1:02:03": minutes, minutes:seconds, or hours:minutes:seconds.
DURATION = re.compile(r"(?:(\d{1,2}):)?(\d{1,3})(?::(\d{2}))?")


def parse_duration(text: str) -> int | None:
    match = DURATION.fullmatch(text.strip())
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    if hours is not None and seconds is None:  # "7:30" is minutes and seconds
        hours, minutes, seconds = None, hours, minutes
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds or 0)
    return total if total <= MAX_SECONDS and (seconds is None or int(seconds) < 60) else None


@require_POST
@agent_required
@changes_allowed
def log_call(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    ticket = regions.get_ticket(agent, ticket_id)
    direction = request.POST.get("direction", "")
    seconds = parse_duration(request.POST.get("duration", ""))
    errors = {}
    if direction not in ("in", "out"):
        errors["direction"] = _("Say who called.")
    if seconds is None:
        errors["duration"] = _("Write the length as minutes (7) or minutes:seconds (7:30), at most 12 hours.")
    if errors:
        context = {"ticket": ticket, "errors": errors, "values": request.POST}
        return htmx.vary(render(request, "frontend/regions/call_log.html", context, status=400))
    assert seconds is not None
    do_log_call(ticket, agent=agent, direction=direction, seconds=seconds, note=request.POST.get("note", "")[:5000])
    context = {"ticket": ticket, "errors": {}, "values": {}, "saved": True}
    return htmx.vary(render(request, "frontend/regions/call_log.html", context))
