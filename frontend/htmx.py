"""Which part of the page a request wants: the whole page, or one region's fragment.

A direct load (and htmx's history restore after Back) gets the full page; an htmx request
gets the fragment for its target region. Caches must keep the two apart, hence ``Vary``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


def target(request: HttpRequest) -> str | None:
    """The id of the region an htmx request will swap, or None for a full page."""
    if request.headers.get("HX-Request") != "true":
        return None
    if request.headers.get("HX-History-Restore-Request") == "true":
        return None
    return request.headers.get("HX-Target") or None


def vary(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ("HX-Request", "HX-Target", "HX-History-Restore-Request"))
    return response
