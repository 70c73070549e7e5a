"""The agent's own settings reachable from the workspace: the interface language, opening the
next ticket after a reply (the composer's send menu), and the timeline's system events."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from frontend.auth import agent_required
from hub.actions.agents import do_set_language
from hub.actions.profile import do_set_switch
from hub.models import Agent


@require_POST
@agent_required
def set_language(request: HttpRequest, agent: Agent) -> HttpResponse:
    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES) or language == "":
        do_set_language(agent, language)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    return HttpResponseRedirect(target)


@require_POST
@agent_required
def set_open_next(request: HttpRequest, agent: Agent) -> HttpResponse:
    """``on``: "1" or "0"; the send menu's "then open the next ticket"."""
    return _switch(request, agent, "open_next_after_send")


@require_POST
@agent_required
def set_system_events(request: HttpRequest, agent: Agent) -> HttpResponse:
    """``on``: "1" or "0"; the timeline's "show system events"."""
    return _switch(request, agent, "show_system_events")


@require_POST
@agent_required
def set_compact_list(request: HttpRequest, agent: Agent) -> HttpResponse:
    """``on``: "1" or "0"; the list's "compact" density."""
    return _switch(request, agent, "compact_list")


def _switch(request: HttpRequest, agent: Agent, switch: str) -> HttpResponse:
    on = request.POST.get("on", "")
    if on not in ("0", "1"):
        return HttpResponseBadRequest("on must be 1 or 0")
    do_set_switch(agent, switch, on == "1")
    return HttpResponse(status=204)
