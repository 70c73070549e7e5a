"""A mail's remote images, shown when the agent asks, fetched by the hub and never by their browser.

A remote image tells its sender when and from where a mail was read, so the sanitizer keeps
its address as ``data-remote-src`` and the card shows no picture until the agent asks. Then the
frame's images point at ``agent_remote_image``, which fetches them here:

- only an address that stands in that very mail, on a ticket the agent may see: the hub is no
  open proxy;
- only from public addresses: every address the name resolves to is checked, and the
  connection goes to the address checked (a second lookup could answer with an inner one);
  ``REMOTE_IMAGES_ALLOW_PRIVATE`` lets a hub inside a company network show its own servers';
- only pictures (no SVG, which is a document that can hold script), at most 5 MB, each
  redirect checked again, with short timeouts.
"""

from __future__ import annotations

import contextlib
import html as html_lib
import ipaddress
import re
import socket
import threading
import time
from urllib.parse import SplitResult, quote, urljoin, urlsplit

import urllib3
from django.conf import settings
from django.urls import reverse
from urllib3.connection import HTTPConnection, HTTPSConnection

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
# A whole fetch, redirects included: a server that sends a byte every few seconds holds no
# thread of the hub for longer.
DEADLINE_SECONDS = 15.0
TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp", "image/x-icon",
     "image/vnd.microsoft.icon"}
)  # fmt: skip
_REMOTE = re.compile(r'data-remote-src="([^"]*)"')
# Each connect and each read; the whole fetch has DEADLINE_SECONDS.
_TIMEOUT = 5.0


class Refused(Exception):
    """Why an image was not fetched (for the log; the agent sees a broken image)."""


def remote_sources(html: str) -> set[str]:
    """The addresses of the remote images a mail's stored HTML names."""
    return {html_lib.unescape(m) for m in _REMOTE.findall(html)} if "data-remote-src" in html else set()


def with_proxied_images(ticket_id: int, message_id: int, html: str) -> str:
    """``html`` with its remote images pointing at the hub's fetch of each."""
    base = reverse("agent_remote_image", args=[ticket_id, message_id])

    def proxied(match: re.Match[str]) -> str:
        return f'src="{base}?src={quote(html_lib.unescape(match.group(1)), safe="")}"'

    return _REMOTE.sub(proxied, html)


def _address(host: str, port: int) -> str:
    """The address to connect to for ``host``: refused if any it resolves to is not public."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"{host} does not resolve") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not addresses:
        raise Refused(f"{host} does not resolve")
    if not settings.REMOTE_IMAGES_ALLOW_PRIVATE:
        for address in addresses:
            mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
            if not (mapped or address).is_global:
                raise Refused(f"{host} resolves to {address}, which is not a public address")
    return str(addresses[0])


def absolute(src: str) -> str:
    """``src`` as a fetchable address: a protocol-relative one (``//cdn…``) over https."""
    return f"https:{src}" if src.startswith("//") else src


def _cut(sock: socket.socket) -> None:
    """End a fetch that ran past its deadline: a blocked read then fails at once."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def fetch(url: str) -> tuple[bytes, str]:
    """The image at ``url`` and its type; raises ``Refused``.

    The whole fetch, redirects included, ends after ``DEADLINE_SECONDS`` whatever the server
    does: a timer shuts the socket, since a read timeout starts again with every byte.
    """
    deadline = time.monotonic() + DEADLINE_SECONDS
    url = absolute(url)
    for _ in range(MAX_REDIRECTS + 1):
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").encode("idna").decode("ascii")
            secure = parts.scheme == "https"
            port = parts.port or (443 if secure else 80)
        except (ValueError, UnicodeError) as exc:
            raise Refused(f"{url[:200]} is no address to fetch: {exc}") from exc
        if parts.scheme not in ("http", "https") or not host:
            raise Refused(f"{url[:200]} is not a web address")
        address = _address(host, port)
        connection: HTTPConnection = (
            HTTPSConnection(address, port, timeout=_TIMEOUT, server_hostname=host, assert_hostname=host)
            if secure
            else HTTPConnection(address, port, timeout=_TIMEOUT)
        )
        watchdog: threading.Timer | None = None
        try:
            connection.connect()
            # The socket itself: the connection lets go of it once the answer says it closes,
            # while the answer still reads from it.
            watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _cut, [connection.sock])
            watchdog.start()
            next_url = _get(connection, parts, host, port, url)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            late = time.monotonic() > deadline
            raise Refused(f"{host} took longer than {DEADLINE_SECONDS:g} s" if late else f"{host}: {exc}") from exc
        finally:
            if watchdog is not None:
                watchdog.cancel()
            connection.close()
        if isinstance(next_url, str):
            url = next_url
            continue
        return next_url
    raise Refused(f"more than {MAX_REDIRECTS} redirects")


def _get(connection: HTTPConnection, parts: SplitResult, host: str, port: int, url: str) -> str | tuple[bytes, str]:
    """One request: the picture and its type, or the address a redirect names."""
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # Uncompressed: what is counted against the limit is what the agent's browser gets.
    connection.request(
        "GET",
        target,
        headers={
            "Host": host if parts.port is None else f"{host}:{port}",
            "Accept": "image/*",
            "Accept-Encoding": "identity",
        },
        preload_content=False,
        decode_content=False,
    )
    response = connection.getresponse()
    if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
        return urljoin(url, response.headers["Location"])
    if response.status != 200:
        raise Refused(f"{host} answered {response.status}")
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind not in TYPES:
        raise Refused(f"{host} sent {kind or 'no type'}, not a picture")
    if response.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        raise Refused(f"{host} sent it compressed though asked not to")
    body = bytearray()
    # What has arrived, not a full chunk: a read of 64 KB would wait for all of them.
    while chunk := response.read1(64 * 1024, decode_content=False):
        body += chunk
        if len(body) > MAX_BYTES:
            raise Refused(f"{host} sent more than {MAX_BYTES // 1024 // 1024} MB")
    return bytes(body), kind
