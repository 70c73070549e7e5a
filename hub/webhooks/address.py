"""The rule a webhook's URL follows, one for the settings form and the API.

Whether the address is a public one is checked when sending (``hub.webhooks.http``): a name's
DNS answer can change after it was saved.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

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
    if parts.username or parts.password:
        raise ValidationError(
            _("Put no user name or password in the URL; check the signature instead."), code="credentials"
        )
    return url
