"""The hub's public address, for links that leave it: invitations, widget snippets, form links."""

from __future__ import annotations

import os

from django.conf import settings
from django.http import HttpRequest


def site_url_configured() -> bool:
    """Whether the operator set ``SITE_URL`` (the settings give it a local default otherwise)."""
    explicit = getattr(settings, "SITE_URL_CONFIGURED", None)
    if explicit is not None:
        return bool(explicit)
    return bool(os.environ.get("SITE_URL") or os.environ.get("SITE_URL_FILE"))


def public_base(request: HttpRequest | None = None) -> str:
    """``SITE_URL`` when set, else the scheme and host the request came in on (so a snippet
    copied from the hub served at https://help.example.com names that host), else the default."""
    if site_url_configured() or request is None:
        return str(settings.SITE_URL).rstrip("/")
    return f"{request.scheme}://{request.get_host()}"


def absolute(path: str, request: HttpRequest | None = None) -> str:
    return public_base(request) + path
