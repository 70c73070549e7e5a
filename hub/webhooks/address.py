"""The rule a webhook's URL follows, one for the settings form and the API.

Whether the address is a public one is checked when sending (``hub.webhooks.http``): a name's
DNS answer can change after it was saved. A URL that names the hub's own network outright (an
inner IP address, localhost) is refused when it is saved too, so the admin hears of it then
rather than from every delivery failing.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def checked_url(value: str) -> str:
    """``value`` without surrounding blanks; ValidationError, in the active language, unless it is
    an http or https URL that names a host and carries no user name or password (the signature
    is how a receiver tells the hub apart, and a password in the URL would show in every log)."""
    url = value.strip()
    try:
        parts: SplitResult | None = urlsplit(url)
    except ValueError:  # an unclosed "[" of an IPv6 address
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("The URL starts with http:// or https:// and names a host."), code="scheme")
    if not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS and _inner(parts.hostname):
        raise ValidationError(
            _(
                "%(host)s is in the hub's own network, where webhooks are not sent. Use a public address, or set "
                "WEBHOOK_ALLOW_PRIVATE_NETWORKS=true on a hub inside your company's network."
            )
            % {"host": parts.hostname},
            code="private",
        )
    if parts.username or parts.password:
        raise ValidationError(
            _("Put no user name or password in the URL; check the signature instead."), code="credentials"
        )
    return url


def inner_address(text: str) -> str | None:
    """The IP address ``text`` as shown when it is not a public one (an IPv4 address mapped into
    IPv6 as its IPv4 form), else None; ValueError when ``text`` is no IP address."""
    address = ipaddress.ip_address(text.split("%")[0])
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return None if (mapped or address).is_global else str(mapped or address)


def _inner(host: str) -> bool:
    """Whether ``host`` names the hub's own network without asking DNS: localhost, or an IP
    address that is not a public one."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return inner_address(host) is not None
    except ValueError:
        return False  # a name: checked when sending
