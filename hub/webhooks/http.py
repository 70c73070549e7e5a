"""One POST to a webhook's URL, bounded and guarded: no proxy, no redirect, no private address.

- The whole attempt ends after ``2 × WEBHOOK_TIMEOUT_SECONDS`` whatever the receiver does: a
  timer shuts the socket, since a socket's timeout starts again with every byte.
- The address is checked before connecting and again on the connected socket, before anything
  is sent (TLS included): a name that resolves to the hub's own network (loopback, private
  ranges, link-local such as a cloud's metadata service) is refused, also when its DNS answer
  changes between the check and the connection. ``WEBHOOK_ALLOW_PRIVATE_NETWORKS`` lets a hub inside a company
  network post to its own servers.
- An error is a code and a detail (``unreachable:Connection refused``), kept on the delivery and
  worded in the reader's language when shown (``describe``).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from hub.webhooks.address import inner_address

KEEP_ANSWER_CHARS = 2000


class PrivateAddress(OSError):
    """The receiver's address is not a public one."""


@dataclass(frozen=True)
class Answer:
    """What one attempt got: the status and the start of the body, or why there was none."""

    status: int | None
    body: str
    error: str  # "code:detail", empty when the receiver answered
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _guarded(address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
    """``socket.create_connection`` that refuses the hub's own network twice: every address the
    name resolves to is checked before connecting (no port of an inner host is even tried, so
    the answer cannot tell an open port from a closed one), and the connected peer after it (a
    DNS answer that changed in between)."""
    if not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        for info in socket.getaddrinfo(address[0], address[1], type=socket.SOCK_STREAM):
            if (inner := inner_address(str(info[4][0]))) is not None:
                raise PrivateAddress(inner)
    sock = socket.create_connection(address, timeout, source_address)
    if not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS and (inner := inner_address(str(sock.getpeername()[0]))) is not None:
        sock.close()
        raise PrivateAddress(inner)
    return sock


def _cut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body``; never raises for what the network or the receiver does."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").encode("idna").decode("ascii")
        port = parts.port
    except (ValueError, UnicodeError):
        return Answer(None, "", "scheme:", 0)
    if parts.scheme not in ("http", "https") or not host:
        return Answer(None, "", "scheme:", 0)
    connection: http.client.HTTPConnection = (
        http.client.HTTPSConnection(host, port, timeout=timeout)
        if parts.scheme == "https"
        else http.client.HTTPConnection(host, port, timeout=timeout)
    )
    connection._create_connection = _guarded  # type: ignore[attr-defined]  # http.client's own hook
    watchdog = threading.Timer(2 * timeout, _cut, [connection])
    watchdog.start()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(KEEP_ANSWER_CHARS * 4).decode("utf-8", "replace")[:KEEP_ANSWER_CHARS]
        error = ""
        if 300 <= response.status < 400:
            error = f"redirect:{(response.getheader('Location') or '?')[:250]}"
        return Answer(response.status, text, error, took())
    except PrivateAddress as exc:
        return Answer(None, "", f"private:{exc}", took())
    except TimeoutError:
        return Answer(None, "", f"timeout:{timeout:g}", took())
    except http.client.HTTPException as exc:
        return Answer(None, "", f"bad_answer:{type(exc).__name__}", took())
    except (OSError, ValueError) as exc:
        if time.monotonic() - started >= 2 * timeout:
            return Answer(None, "", f"timeout:{2 * timeout:g}", took())
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Answer(None, "", f"unreachable:{reason}"[:300], took())
    finally:
        watchdog.cancel()
        connection.close()


def describe(error: str) -> str:
    """An error kept on a delivery (``code:detail``), in the active language."""
    code, _sep, detail = error.partition(":")
    if code == "scheme":
        return _("The URL is not an http or https address.")
    if code == "private":
        return _(
            "Refused: %(address)s is an address of your own network. WEBHOOK_ALLOW_PRIVATE_NETWORKS=true allows it."
        ) % {"address": detail}
    if code == "timeout":
        return _("No answer within %(seconds)s s.") % {"seconds": detail}
    if code == "unreachable":
        return _("Cannot be reached (%(reason)s).") % {"reason": detail}
    if code == "bad_answer":
        return _("The answer was not valid HTTP (%(reason)s).") % {"reason": detail}
    if code == "redirect":
        return _("Redirected to %(location)s. Webhooks do not follow redirects: enter that URL.") % {"location": detail}
    if code == "deleted":
        return _("The ticket was deleted before it could be sent.")
    if code == "internal":
        return _("The hub failed while sending (%(error)s); its log says more.") % {"error": detail}
    return error
