from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from hub.models import Agent


def agent(request: Request) -> Agent:
    """The agent IsAgent found for this request; every API view runs behind that permission."""
    found: Any = getattr(request, "agent", None)
    if not isinstance(found, Agent):
        raise RuntimeError("API views must run behind hub.api.permissions.IsAgent")
    return found


def schema_only(view: Any) -> bool:
    """True while drf-spectacular inspects the view without a real request or agent."""
    return bool(getattr(view, "swagger_fake_view", False))
