"""The agent's own settings reachable from the workspace: the interface language."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from frontend.auth import agent_required
from hub.actions.agents import do_set_language
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
