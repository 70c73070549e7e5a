from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


class AgentLanguageMiddleware:
    """Language from the agent's profile, else the browser's Accept-Language, else the default.
    Sits after AuthenticationMiddleware, which attaches ``request.user``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = translation.get_language_from_request(request)
        user = getattr(request, "user", None)
        agent_language = ""
        if user is not None and user.is_authenticated:
            agent = getattr(user, "agent", None)
            agent_language = getattr(agent, "language", "") or ""
        translation.activate(agent_language or language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
