"""The ticket header's controls: status, assignee and priority, each through ``hub.actions``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_POST

from frontend import htmx, regions
from frontend.auth import agent_required
from frontend.views.guards import changes_allowed
from hub.actions import do_assign, do_set_priority, do_set_status
from hub.models import Agent, Priority, TicketStatus


@require_POST
@agent_required
@changes_allowed
def update(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    """Apply the one field the agent changed and answer with the fresh header.

    Each control posts only its own value, so a stale header never writes back a field that
    another agent changed meanwhile.
    """
    ticket = regions.get_ticket(agent, ticket_id)
    post = request.POST
    if "status" in post:
        if post["status"] not in TicketStatus.values:
            return HttpResponseBadRequest("unknown status")
        do_set_status(ticket, post["status"], actor=agent)
    elif "priority" in post:
        try:
            priority = int(post["priority"])
        except ValueError:
            return HttpResponseBadRequest("unknown priority")
        if priority not in Priority.values:
            return HttpResponseBadRequest("unknown priority")
        do_set_priority(ticket, priority, actor=agent)
    elif "assignee" in post:
        chosen = None
        if post["assignee"]:
            allowed = {str(a.pk): a for a in regions.assignee_choices(ticket, agent)}
            chosen = allowed.get(post["assignee"])
            if chosen is None:
                return HttpResponseBadRequest("this agent cannot take the ticket")
        do_assign(ticket, chosen, actor=agent)
    else:
        return HttpResponseBadRequest("nothing to change")
    ticket = regions.get_ticket(agent, ticket_id)
    return htmx.vary(render(request, "frontend/regions/header.html", regions.header_context(ticket, agent)))
