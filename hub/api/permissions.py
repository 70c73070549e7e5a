from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from hub.access import agent_of, may_change


class IsAgent(BasePermission):
    """Any logged-in user with an agent profile; scoping to what they may see is per queryset.

    A viewer (read-only role) may only read: every request that is not GET, HEAD or OPTIONS is
    refused, whatever the endpoint.
    """

    message = "This account has no agent profile."

    def has_permission(self, request: Request, view: Any) -> bool:
        agent = agent_of(request.user)
        if agent is None:
            return False
        if request.method not in SAFE_METHODS and not may_change(agent):
            self.message = "This account may only read (viewer role)."
            return False
        request.agent = agent  # type: ignore[attr-defined]
        return True
