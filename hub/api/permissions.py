from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from hub.access import agent_of


class IsAgent(BasePermission):
    """Any logged-in user with an agent profile; scoping to what they may see is per queryset."""

    message = "This account has no agent profile."

    def has_permission(self, request: Request, view: Any) -> bool:
        agent = agent_of(request.user)
        if agent is None:
            return False
        request.agent = agent  # type: ignore[attr-defined]
        return True
