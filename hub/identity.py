"""Normalization of identity values, so one person is one customer on every channel."""

from __future__ import annotations

import idna
import phonenumbers
from django.conf import settings

from hub.models import IdentityKind


class InvalidIdentity(ValueError):
    pass


def normalize_email(value: str) -> str:
    """Lower-cased, with an internationalized domain in its ASCII (punycode) form.

    The local part is lower-cased too: RFC 5321 allows case-sensitive local parts, but no
    mail provider a service team meets uses them, and treating Max@ and max@ as two customers
    is the bug agents actually see.
    """
    value = value.strip().strip("<>").strip()
    if value.count("@") != 1:
        raise InvalidIdentity(f"{value!r} is not an email address")
    local, domain = value.rsplit("@", 1)
    if not local or not domain or any(c.isspace() or not c.isprintable() for c in value):
        raise InvalidIdentity(f"{value!r} is not an email address")
    try:
        ascii_domain = idna.encode(domain.rstrip(".").lower(), uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidIdentity(f"{value!r} has an invalid domain: {exc}") from exc
    address = f"{local.lower()}@{ascii_domain}"
    if len(address) > 254:  # RFC 5321's limit for a forward path; longer ones are never delivered
        raise InvalidIdentity(f"{value[:60]!r}… is too long for an email address")
    return address


def typed_email(value: str) -> str:
    """An address a person typed (the widget's forms, a new conversation, a customer's page):
    normalized, and with a domain mail can reach. "max@example" lacks the dot of a top-level
    domain and would bounce, as the composer and Django's checks know; a mail that came from
    such an address (an intranet) is still taken by ``normalize_email``."""
    address = normalize_email(value)
    domain = address.rsplit("@", 1)[1]
    if "." not in domain.strip(".") or domain.startswith(".") or ".." in domain:
        raise InvalidIdentity(f"{value!r} has no domain mail can reach")
    return address


def normalize_phone(value: str, region: str | None = None) -> str:
    """E.164, e.g. +4930123456; numbers without a country code are read in the default region."""
    try:
        number = phonenumbers.parse(value, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentity(f"{value!r} is not a phone number: {exc}") from exc
    # Validity, not mere possibility: "12" or "00000" are "possible" German numbers, and a
    # junk caller id must not become an identity that later callers with the same junk join.
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentity(f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize(kind: str, value: str) -> str:
    if kind == IdentityKind.EMAIL:
        return normalize_email(value)
    if kind == IdentityKind.PHONE:
        return normalize_phone(value)
    if kind in (IdentityKind.CHAT, IdentityKind.EXTERNAL):
        value = value.strip()
        if not value:
            raise InvalidIdentity(f"an empty {kind} identity")
        return value
    raise InvalidIdentity(f"unknown identity kind {kind!r}")
