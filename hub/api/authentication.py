"""``Authorization: Bearer hub_…`` (or ``Token hub_…``): the hub's hashed API tokens."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from hub import tokens
from hub.models import ApiToken


class HashedTokenAuthentication(BaseAuthentication):
    """Authenticates as the token's agent; ``request.auth`` is the ApiToken, whose scope
    ``hub.api.permissions.IsAgent`` checks. Headers without a ``hub_`` token are left to the
    other authentication classes."""

    keywords = (b"bearer", b"token")

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() not in self.keywords:
            return None
        try:
            token = parts[1].decode()
        except UnicodeDecodeError:
            return None
        if not token.startswith(tokens.PREFIX):
            return None
        row = tokens.find(token)
        if row is None:
            raise AuthenticationFailed("Invalid, expired or revoked token.")
        user = row.agent.user
        if not user.is_active or row.agent.deactivated_at is not None:
            raise AuthenticationFailed("The token's agent is deactivated.")
        tokens.touch(row)
        return user, row

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class HashedTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema documents the hashed tokens: an HTTP bearer scheme."""

    target_class = "hub.api.authentication.HashedTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "hub_<token>"}
