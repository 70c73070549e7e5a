from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from hub.access import agent_of, may_change
from hub.models import ApiToken, Role, Scope


def token_allows(request: Request, view: Any) -> bool:
    """A hub API token's scope covers this request: reading needs ``read``, anything else
    ``write``, and a view that says ``token_scope = "admin"`` needs ``admin``. Sessions and other
    credentials are not limited here."""
    needed = getattr(view, "token_scope", None) or (Scope.READ if request.method in SAFE_METHODS else Scope.WRITE)
    return token_has(request, needed)


def token_has(request: Request, scope: str) -> bool:
    """Whether the request's credential covers ``scope``: a hub API token by its own scope,
    anything else (a session) always."""
    token = request.auth
    return not isinstance(token, ApiToken) or token.allows(scope)


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
        if not token_allows(request, view):
            self.message = "This token's scope does not allow this request."
            return False
        request.agent = agent  # type: ignore[attr-defined]
        return True


class IsAdmin(BasePermission):
    """Admins only: the hub's settings (routing rules, SLA policies, business calendars).

    A token changes them only with the admin scope, as the token form promises ("Administration:
    also settings"); a read-and-write token is for tickets. The view's ``admin_only`` says what
    a refusal names.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        found = getattr(request, "agent", None)
        if found is None or found.role != Role.ADMIN:
            self.message = getattr(view, "admin_only", "Only admins may change these settings.")
            return False
        if request.method not in SAFE_METHODS and not token_has(request, Scope.ADMIN):
            self.message = "This token's scope does not allow changing settings: that needs an Administration token."
            return False
        return True
