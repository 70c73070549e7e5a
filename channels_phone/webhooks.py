"""The public URLs of our webhooks: what we hand the provider, and what it signed.

Providers sign the URL they requested. Behind a reverse proxy Django sees another one, so a
request is checked against the public URL: ``SITE_URL`` with the request's path and query,
and, when the request came through a proxy in ``TRUSTED_PROXIES``, the URL the proxy says the
client asked for (X-Forwarded-Proto and -Host). Nobody else's forwarded headers are believed.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def public_url(name: str, provider: str, **query: Any) -> str:
    url = settings.SITE_URL.rstrip("/") + reverse(name, args=[provider])
    return f"{url}?{urlencode(query)}" if query else url


def _from_trusted_proxy(request: HttpRequest) -> bool:
    try:
        peer = ipaddress.ip_address(str(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(n, strict=False) for n in settings.TRUSTED_PROXIES)


def candidate_urls(request: HttpRequest) -> list[str]:
    """The URLs the provider may have requested (and signed), most likely first."""
    site = urlsplit(settings.SITE_URL)
    full_path = request.get_full_path()
    query = f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else ""
    urls = [
        f"{site.scheme}://{site.netloc}{full_path}",
        settings.SITE_URL.rstrip("/") + request.path_info + query,
    ]
    if _from_trusted_proxy(request):
        proto = request.META.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip()
        host = request.META.get("HTTP_X_FORWARDED_HOST", "").split(",")[0].strip()
        if proto in ("http", "https") and host:
            urls.append(f"{proto}://{host}{full_path}")
    return list(dict.fromkeys(urls))
