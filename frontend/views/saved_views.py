"""Saving the list on screen as a named view, and deleting one (``hub.actions.saved_views``).

Both answer with a redirect: to the new view, or back to the inbox, so the navigation shows
the change on the next page.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from frontend import inbox
from frontend.auth import agent_required
from frontend.views.guards import changes_allowed
from hub.actions.saved_views import do_delete_view, do_save_view, may_manage
from hub.models import Agent, Team
from hub.text import whole_number


@require_POST
@agent_required
@changes_allowed
def save_view(request: HttpRequest, agent: Agent) -> HttpResponse:
    base = request.POST.get("base", "")
    # The view the list narrowed must be one the agent may open.
    base_view = inbox.get_view(agent, base) if base in inbox.VIEWS else inbox.get_view(agent, "mine")
    team = None
    if team_id := request.POST.get("team", ""):
        team_pk = whole_number(team_id)
        if team_pk is None or not agent.sees_everything:
            return HttpResponse(status=403)
        team = Team.objects.filter(pk=team_pk).first()
        if team is None:
            raise Http404("no such team")
    name = request.POST.get("name", "")
    if not name.strip():
        return redirect("agent_view", view=base_view.key)
    saved = do_save_view(agent, name, base_view.key, request.POST.get("query", ""), team)
    return redirect("agent_view", view=saved.key)


@require_POST
@agent_required
@changes_allowed
def delete_view(request: HttpRequest, agent: Agent, saved_id: int) -> HttpResponse:
    saved = inbox.saved_views_for(agent).filter(pk=saved_id).first()
    if saved is None:
        raise Http404("no such view")
    if not may_manage(agent, saved):
        return HttpResponse(status=403)
    do_delete_view(agent, saved)
    back = inbox.VIEWS.get(saved.base)
    return redirect("agent_view", view=back.key if back and not back.admins_only else "mine")
