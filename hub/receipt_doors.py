"""Receipt doors: channel webhooks that only write a durable receipt, answered in front of Django.

A raw mail POSTed to the inbound webhook needs one SELECT and one INSERT. Through Django's
request stack under ASGI it had cost 2.6 times as much CPU besides: thirteen middlewares, and a
thread started for every request to run them. An MTA delivering a burst waits on exactly that.

So the ASGI application answers a channel's ``ReceiptDoor`` (``hub.adapters``) itself, when the
request is one the stack would hand to the door's view unchanged, and the door takes it:

* a POST to the door's path, with a Host that ``ALLOWED_HOSTS`` admits (Django's own check), over
  https where ``SECURE_SSL_REDIRECT`` asks for it (https as the stack reads it: ``X-Forwarded-Proto``
  from a trusted proxy, else the server's scheme), each header it reads given once, and a body
  within ``FILE_UPLOAD_MAX_MEMORY_SIZE`` (what Django keeps in memory; a bigger one goes to the
  stack, which spools it to disk, so nobody pins memory with unauthenticated bodies);
* from an address whose credentials are not refused by the failed-credentials throttle;
* answered by the door with a success (2xx) or "later" (503).

Anything else (a refused token, a bad body, a host or scheme the stack refuses, a header given
twice) goes to Django with the body as it came, and the view answers it through the whole stack:
failed credentials are counted, as before. The door answers with the status, body and security
headers the stack would (``SecurityMiddleware``, ``XFrameOptionsMiddleware``); an error in the
door is answered 500 and logged as Django logs one (``django.request``), never run a second time
(the receipt may have been written before it).

The doors run in threads of their own, as many as a burst of senders waiting for the database at
once needs: when the pool is exhausted, each of them gets its 503 after one pool timeout, not after
the senders ahead of it. Database connections are taken and given back around each door as Django
does around a request (``close_old_connections``: with the pool, given back to it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host
from django.urls import reverse

from hub.adapters import Answer, ReceiptDoor, get_adapter, registered
from hub.middleware import credentials_refused
from hub.net import is_trusted_proxy, scope_ip

request_log = logging.getLogger("django.request")

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


# The headers the door reads. Given twice, Django joins them with "," (and then refuses the
# Host, or the token): the stack answers such a request, the door never picks one of the two.
_READ = (b"host", b"authorization", b"x-forwarded-proto", b"content-length")


def _read_headers(scope: Scope) -> dict[bytes, str] | None:
    """The headers the door reads, or None when one of them came more than once."""
    found: dict[bytes, str] = {}
    for key, value in scope["headers"]:
        name = key.lower()
        if name in _READ:
            if name in found:
                return None
            found[name] = value.decode("latin-1")
    return found


def _host_allowed(headers: dict[bytes, str]) -> bool:
    """``HttpRequest.get_host``'s check, for a request that names its host."""
    if settings.USE_X_FORWARDED_HOST or settings.PREPEND_WWW or settings.DISALLOWED_USER_AGENTS:
        return False  # rare set-ups: the stack decides
    host = headers.get(b"host")
    if not host:
        return False
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


def _secure(scope: Scope, headers: dict[bytes, str]) -> bool:
    """``HttpRequest.is_secure`` as the stack answers it: X-Forwarded-Proto when a trusted proxy
    sent it (hub.middleware.ForwardedProtoMiddleware drops it from anyone else; Django then
    believes its first value, SECURE_PROXY_SSL_HEADER), else the server's scheme."""
    forwarded = headers.get(b"x-forwarded-proto")
    client = scope.get("client") or ("", 0)
    if forwarded is not None and is_trusted_proxy(str(client[0])):
        return forwarded.split(",", 1)[0].strip() == "https"
    return scope.get("scheme") == "https"


def _body_limit() -> int:
    """The largest body the door reads: what Django keeps in memory (it spools bigger ones to disk)."""
    limits = [settings.FILE_UPLOAD_MAX_MEMORY_SIZE]
    if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None:
        limits.append(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return min(limits)


def _declared_size(headers: dict[bytes, str]) -> int | None:
    try:
        return int(headers[b"content-length"])
    except (KeyError, ValueError):
        return None


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


# Threads for the doors: many, since a door waiting for a pooled connection holds one (a burst
# during an exhausted pool gets its 503s after one pool timeout, not in waves), and their own, so
# they never queue behind the event loop's other blocking work (host name lookups).
_THREADS = ThreadPoolExecutor(max_workers=64, thread_name_prefix="hub-receipt-door")

_ERROR = Answer(500, {"error": "the hub failed to take this mail; try again later"})


def _take(door: ReceiptDoor, ip: str, authorization: str, body: bytes, path: str) -> Answer | None:
    """The door's answer, or None when the stack is to answer (in a thread: it uses the database)."""
    close_old_connections()
    try:
        if credentials_refused(ip):
            return None  # the throttle answers 429 and logs it, in the stack
        given = door.take(authorization, body)
    except Exception:  # noqa: BLE001 - answered 500 and logged, as Django answers an error
        # Not run again through the stack: the receipt may be written already, and a second run
        # would answer "duplicate" to a sender whose mail was never processed. Logged as Django
        # logs a server error (its handlers, mail to the admins).
        request_log.error("Internal Server Error: %s", path, exc_info=True, extra={"status_code": 500})
        return _ERROR
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
        headers = _read_headers(scope) if door is not None else None
        if door is None or headers is None or not self._admits(scope, headers):
            await self.app(scope, receive, send)
            return
        body, complete, takeable = await _read(receive, _body_limit())
        given = None
        if takeable:
            take = sync_to_async(_take, thread_sensitive=False, executor=_THREADS)
            given = await take(door, scope_ip(scope), headers.get(b"authorization", ""), body, str(scope["path"]))
        if given is None:
            await self.app(scope, _replay(body, complete, receive), send)
            return
        content = json.dumps(given.payload).encode()
        answer_headers = _headers(_secure(scope, headers))
        answer_headers += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in given.headers]
        answer_headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": given.status, "headers": answer_headers})
        await send({"type": "http.response.body", "body": content})

    @staticmethod
    def _admits(scope: Scope, headers: dict[bytes, str]) -> bool:
        """Whether the stack would hand this request to the door's view as it is, and it is small."""
        if not _host_allowed(headers) or (settings.SECURE_SSL_REDIRECT and not _secure(scope, headers)):
            return False
        declared = _declared_size(headers)
        return declared is None or declared <= _body_limit()


async def _read(receive: Receive, limit: int) -> tuple[bytes, bool, bool]:
    """The request body so far; whether it is complete; whether it is complete within ``limit``.

    Stops at the end, at a disconnect, or past the limit (the stack then reads on: it spools a
    big body to disk).
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False, False  # gone: the stack sees the disconnect
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        complete = not message.get("more_body", False)
        if complete or size > limit:
            return b"".join(chunks), complete, complete and size <= limit


def _replay(body: bytes, complete: bool, receive: Receive) -> Receive:
    """``receive`` for the stack: what was read, as one message, then the rest as it comes."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return again
