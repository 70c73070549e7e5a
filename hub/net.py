"""The visitor's IP address behind reverse proxies, for rate limits.

Behind nginx every connection comes from the proxy, so limits per address would lump all
visitors together. X-Forwarded-For names the real client, but anyone can send that header:
it is believed only as far as it was written by proxies listed in TRUSTED_PROXIES. Each
trusted proxy appends the address it saw, so the header is read from the right, skipping
trusted proxies; the first address that is not one is the client.

Limits by address count ``rate_key`` of the client's address, not the address itself.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Hops read from the right; a longer header is an attempt to make us work, not a real chain.
MAX_HOPS = 20
# An IPv6 host is given a whole /64 (its provider's smallest unit, where SLAAC and privacy
# extensions pick addresses at will), so one visitor has 2**64 addresses to rotate through.
IPV6_RATE_PREFIX = 64


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _address(text: str) -> IPAddress | None:
    """An address from a header entry or ASGI client: ``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``, ``::1``."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else text[1:]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's ::ffff:1.2.3.4 is the IPv4 client
    return address


def _trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks)


def is_trusted_proxy(remote: str) -> bool:
    """Whether ``remote`` (the peer of a connection) is one of TRUSTED_PROXIES."""
    if not settings.TRUSTED_PROXIES:
        return False
    peer = _address(remote)
    return peer is not None and _trusted(peer, _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip_from(remote: str, forwarded_for: str | None) -> str:
    """The client's address: ``remote`` (the peer of the connection) unless that is a trusted
    proxy, in which case X-Forwarded-For is walked from the right past trusted proxies.

    Never returns an address written by an untrusted party: an entry that is not an address
    ends the walk at the last trusted hop.
    """
    if not settings.TRUSTED_PROXIES:
        return remote
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    peer = _address(remote)
    if peer is None or not _trusted(peer, networks) or not forwarded_for:
        return remote
    nearest: IPAddress = peer
    for entry in reversed(forwarded_for.split(",")[-MAX_HOPS:]):
        address = _address(entry)
        if address is None:
            break
        nearest = address
        if not _trusted(address, networks):
            break
    return str(nearest)


def request_ip(request: HttpRequest) -> str:
    """The client address of an HTTP request."""
    return client_ip_from(str(request.META.get("REMOTE_ADDR") or "unknown"), request.META.get("HTTP_X_FORWARDED_FOR"))


def scope_ip(scope: dict[str, Any]) -> str:
    """The client address of an ASGI (websocket) scope."""
    client = scope.get("client") or ("unknown", 0)
    remote = str(client[0])
    if not settings.TRUSTED_PROXIES:
        return remote
    # Repeated headers are one comma-separated list (RFC 9110), in the order they came.
    forwarded = ",".join(v.decode("latin1") for k, v in scope.get("headers", ()) if k == b"x-forwarded-for")
    return client_ip_from(remote, forwarded or None)


def rate_key(ip: str) -> str:
    """What a limit by client address counts: an IPv4 address itself, an IPv6 address's /64.

    Counted one by one, IPv6 addresses would let one visitor take a fresh address for every
    request. Anything that is not an address (``unknown``) is its own key.
    """
    address = _address(ip)
    if address is None:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, IPV6_RATE_PREFIX), strict=False))
    return str(address)
