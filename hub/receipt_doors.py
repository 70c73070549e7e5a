"""Receipt doors: channel webhooks that only write a durable receipt, answered in front of Django.

A raw mail POSTed to the inbound webhook needs one SELECT and one INSERT. Through Django's
request stack under ASGI it had cost 2.6 times as much CPU besides: thirteen middlewares, and a
thread started for every request to run them. An MTA delivering a burst waits on exactly that.

So the ASGI application answers a channel's ``ReceiptDoor`` (``hub.adapters``) itself, when the
request is one the stack would hand to the door's view unchanged, and the door takes it:

* a POST to the door's path, with a Host that ``ALLOWED_HOSTS`` admits (Django's own check), over
  https where ``SECURE_SSL_REDIRECT`` asks for it (https as the stack reads it: the server's
  scheme, or ``X-Forwarded-Proto`` from a trusted proxy), a body within
  ``DATA_UPLOAD_MAX_MEMORY_SIZE``;
* from an address whose credentials are not refused by the failed-credentials throttle;
* answered by the door with a success (2xx) or "later" (503).

Anything else (a refused token, a bad body, a host or scheme the stack refuses, an error) goes
to Django with the body as it came, and the view answers it through the whole stack: failed
credentials are counted, errors reported, as before. The door answers with the headers the
stack would add to a JSON answer (``SecurityMiddleware``, ``XFrameOptionsMiddleware``).

Database connections are taken and given back around each door as Django does around a
request (``close_old_connections``: with the pool, given back to it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host
from django.urls import reverse

from hub.adapters import Answer, ReceiptDoor, get_adapter, registered
from hub.middleware import credentials_refused
from hub.net import is_trusted_proxy, scope_ip

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


def _doors() -> dict[str, ReceiptDoor]:
    """The doors of every registered channel, by path (without a script prefix)."""
    doors: dict[str, ReceiptDoor] = {}
    for key in registered():
        for door in get_adapter(key).receipt_doors():
            doors[reverse(door.url_name)] = door
    return doors


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _host_allowed(scope: Scope) -> bool:
    """``HttpRequest.get_host``'s check, for a request that names its host."""
    if settings.USE_X_FORWARDED_HOST or settings.PREPEND_WWW or settings.DISALLOWED_USER_AGENTS:
        return False  # rare set-ups: the stack decides
    host = _header(scope, b"host")
    if not host:
        return False
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


def _secure(scope: Scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    # hub.middleware.ForwardedProtoMiddleware: the header counts only from a trusted proxy.
    client = scope.get("client") or ("", 0)
    return _header(scope, b"x-forwarded-proto") == "https" and is_trusted_proxy(str(client[0]))


def _headers(secure: bool) -> list[tuple[bytes, bytes]]:
    """What SecurityMiddleware and XFrameOptionsMiddleware add to a JSON answer."""
    headers = [(b"content-type", b"application/json")]
    if settings.SECURE_HSTS_SECONDS and secure:
        sts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        sts += "; includeSubDomains" if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS else ""
        sts += "; preload" if settings.SECURE_HSTS_PRELOAD else ""
        headers.append((b"strict-transport-security", sts.encode()))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        text = policy if isinstance(policy, str) else ",".join(policy)
        headers.append((b"referrer-policy", ",".join(v.strip() for v in text.split(",")).encode()))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append((b"cross-origin-opener-policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY.encode()))
    headers.append((b"x-frame-options", str(getattr(settings, "X_FRAME_OPTIONS", "DENY")).upper().encode()))
    return headers


def _take(door: ReceiptDoor, ip: str, authorization: str, body: bytes) -> Answer | None:
    """The door's answer, or None when the stack is to answer (in a thread: it uses the database)."""
    close_old_connections()
    try:
        if credentials_refused(ip):
            return None  # the throttle answers 429 and logs it, in the stack
        given = door.take(authorization, body)
    except Exception:  # the stack runs the view again, and reports its error as for any request
        log.warning("receipt door %s failed; the request goes through Django", door.url_name, exc_info=True)
        return None
    finally:
        close_old_connections()
    return given if 200 <= given.status < 300 or given.status == 503 else None


class ReceiptDoors:
    """ASGI middleware: a receipt door's request answered here, any other passed on to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._by_path: dict[str, ReceiptDoor] | None = None

    def _door(self, scope: Scope) -> ReceiptDoor | None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        if self._by_path is None:
            self._by_path = _doors()  # after start-up: the URLconf and the adapters are there
        path = str(scope["path"])
        root = str(scope.get("root_path") or "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return self._by_path.get(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        door = self._door(scope)
        secure = door is not None and _secure(scope)
        if door is None or not _host_allowed(scope) or (settings.SECURE_SSL_REDIRECT and not secure):
            await self.app(scope, receive, send)
            return
        body, whole = await _read(receive, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        given = None
        if whole:
            authorization = _header(scope, b"authorization") or ""
            given = await sync_to_async(_take, thread_sensitive=False)(door, scope_ip(scope), authorization, body)
        if given is None:
            await self.app(scope, _replay(body, whole, receive), send)
            return
        content = json.dumps(given.payload).encode()
        headers = _headers(secure)
        headers += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in given.headers]
        headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": given.status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


async def _read(receive: Receive, limit: int | None) -> tuple[bytes, bool]:
    """The request body, and whether it is all of it (False past ``limit`` or on a disconnect)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if limit is not None and size > limit:
            return b"".join(chunks), False


def _replay(body: bytes, whole: bool, receive: Receive) -> Receive:
    """``receive`` for the stack: what was read, as one message, then the rest as it comes."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": not whole}
        return await receive()

    return again
