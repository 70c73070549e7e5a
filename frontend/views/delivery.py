"""Send again a reply whose delivery failed for good: the button on the message."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.views.decorators.http import require_POST

from frontend import regions
from frontend.auth import agent_required
from frontend.views.guards import changes_allowed
from hub.actions import ResendError, do_resend
from hub.models import Agent, Message


@require_POST
@agent_required
@changes_allowed
def resend(request: HttpRequest, agent: Agent, ticket_id: int, message_id: int) -> HttpResponse:
    """Queue the message again; answers with the message as the timeline shows it now (queued).

    A message that is not failed any more (sent meanwhile, or sent again by a colleague) answers
    409 with the reason; one outside the agent's tickets 404, like the ticket.
    """
    ticket = regions.get_ticket(agent, ticket_id)
    if not Message.objects.filter(pk=message_id, ticket=ticket).exists():
        return HttpResponse(status=404)
    try:
        do_resend(message_id=message_id, agent=agent)
    except ResendError as exc:
        return HttpResponse(f'<p class="notice notice-error" role="alert">{escape(str(exc))}</p>', status=409)
    return render(
        request, "frontend/regions/timeline_items.html", regions.timeline_context(ticket, only_message=message_id)
    )
