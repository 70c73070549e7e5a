"""Guards for the workspace's POST endpoints: viewers (and deactivated agents) change nothing."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from hub.access import may_change
from hub.models import Agent

AgentView = Callable[..., HttpResponse]


def changes_allowed(view: AgentView) -> AgentView:
    """Refuse with 403 and a sentence when ``agent`` may only read. Goes under ``agent_required``."""

    @wraps(view)
    def wrapper(request: HttpRequest, agent: Agent, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_change(agent):
            message = _("Your role (viewer) can read tickets but not change them.")
            return HttpResponse(f'<p class="notice notice-error" role="alert">{message}</p>', status=403)
        return view(request, agent, *args, **kwargs)

    return wrapper
