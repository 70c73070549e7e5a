"""``/healthz``: whether this process can serve (database, and Redis where configured).

The container's health check asks it from inside (``curl http://localhost:8000/healthz``),
with a Host header that ALLOWED_HOSTS need not list: the deployment's name is
``hub.example.com``, not ``localhost``. ``LoopbackHealthMiddleware`` answers such a request
before Django's host check (CommonMiddleware), for the machine itself only. The answer names
no host and builds no URL, so the Host header has nothing to poison here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

PATH = "/healthz"


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and compose: the database answers, and Redis where configured."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report any failure as unhealthy
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.REDIS_URL:
        from redis import Redis

        try:
            Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


class LoopbackHealthMiddleware:
    """Answers ``GET /healthz`` from a loopback peer whatever its Host header says.

    Placed before every middleware that reads the host (CommonMiddleware asks for it on every
    request, and a host outside ALLOWED_HOSTS is a 400): the compose health check on
    ``localhost`` passes with ``ALLOWED_HOSTS=hub.example.com``. The peer is REMOTE_ADDR as the
    server gives it (uvicorn replaces it from X-Forwarded-For only for its trusted proxies), so
    a request from elsewhere takes the normal way, host check included.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.path_info == PATH
            and request.method in ("GET", "HEAD")
            and _loopback(request.META.get("REMOTE_ADDR"))
        ):
            return healthz(request)
        return self.get_response(request)
