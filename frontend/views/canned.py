"""The composer's canned replies: the agent's matches rendered for this ticket, and a use counted.

JSON for the composer island (``ts/canned.ts``). Both look the ticket up through the agent's
scope first, so a ticket id outside it answers 404 and reveals nothing; the replies come from
``hub.canned.usable_by``, never another agent's personal ones or another team's.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from frontend import regions
from frontend.auth import agent_required
from frontend.views.guards import changes_allowed
from hub import canned
from hub.actions.canned import do_use_canned_reply
from hub.models import Agent


@require_GET
@agent_required
def matches(request: HttpRequest, agent: Agent, ticket_id: int) -> JsonResponse:
    """``?q=`` part of a title or shortcut → ``{"results": [{id, title, shortcut, scope,
    language, text, unknown, empty}]}``; ``text`` is plain text, to be inserted as such."""
    ticket = regions.get_ticket(agent, ticket_id)
    results = []
    for reply in canned.search(agent, request.GET.get("q", "")):
        language, text = canned.variant_for(reply, ticket, agent)
        rendered = canned.render_for(text, ticket, agent)
        results.append(
            {
                "id": reply.pk,
                "title": reply.title,
                "shortcut": reply.shortcut,
                "scope": reply.get_scope_display(),
                "language": language,
                "text": rendered.text,
                "unknown": rendered.unknown,
                "empty": rendered.empty,
            }
        )
    return JsonResponse({"results": results})


@require_POST
@agent_required
@changes_allowed
def used(request: HttpRequest, agent: Agent, ticket_id: int, reply_id: int) -> HttpResponse:
    """Count that the agent inserted the reply into this ticket's composer."""
    regions.get_ticket(agent, ticket_id)
    if not do_use_canned_reply(agent, reply_id):
        raise Http404("no such canned reply")
    return HttpResponse(status=204)
