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


def normalize_origin(text: str) -> str | None:
    """``https://Shop.Example.com/path`` → ``https://shop.example.com``; None if it is no web origin."""
    from urllib.parse import urlsplit

    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")
