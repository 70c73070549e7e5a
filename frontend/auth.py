"""Access to the workspace: a logged-in user with an agent profile, else login or 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import resolve_url

from hub.access import agent_of
from hub.models import Agent

# What a view answers: a page mostly, a file (FileResponse) sometimes.
R = TypeVar("R", bound=HttpResponseBase)


def agent_required(view: Callable[..., R]) -> Callable[..., R | HttpResponse]:
    """Call ``view(request, agent, ...)`` for agents; send others to the login page.

    An htmx request whose session expired must not swap the login form into a region: it gets
    ``HX-Redirect`` so the whole page goes to the login.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponse:
        agent = agent_or_answer(request)
        if isinstance(agent, HttpResponse):
            return agent
        return view(request, agent, *args, **kwargs)

    return wrapper


def agent_or_answer(request: HttpRequest) -> Agent | HttpResponse:
    """The request's agent, else the answer for others: the login page (for htmx, a redirect of
    the whole page), or 403 for a login without an agent profile."""
    if not request.user.is_authenticated:
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
            return response
        return redirect_to_login(request.get_full_path())
    agent: Agent | None = agent_of(request.user)
    if agent is None:
        raise PermissionDenied("this login has no agent profile")
    return agent
