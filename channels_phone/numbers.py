"""Phone numbers in one form (E.164), ours looked up by it, and whether a number takes texts."""

from __future__ import annotations

import time
from typing import Any

import phonenumbers
from django.conf import settings

from channels_phone.models import PhoneNumber

NUMBER_CACHE_SECONDS = 5.0
_numbers: dict[str, tuple[float, PhoneNumber]] = {}

# Numbers a text can reach: a German landline cannot, a mobile can; North American numbers
# do not tell (FIXED_LINE_OR_MOBILE) and are tried.
TEXTABLE = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
)


def e164(value: str) -> str:
    """``value`` in E.164, or "" when it is no valid number (anonymous callers, junk)."""
    try:
        number = phonenumbers.parse(value.strip(), settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(value: str) -> str:
    """The international form agents read (+49 30 1234567), or the value as it came."""
    try:
        number = phonenumbers.parse(value, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def textable(value: str) -> bool:
    try:
        number = phonenumbers.parse(value, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in TEXTABLE


def ours(value: str, provider: str | None = None) -> PhoneNumber | None:
    """Our enabled number ``value`` (of ``provider``, when given), with its team and business hours.

    Every webhook needs it, for rows an admin changes a few times a year: kept per process for
    a few seconds, dropped at once when a number is saved or deleted in this process
    (``apps.py`` connects ``forget_numbers``). A number that is not ours is not kept.
    """
    normalized = e164(value)
    if not normalized:
        return None
    now = time.monotonic()
    hit = _numbers.get(normalized)
    if hit is None or hit[0] <= now:
        number = (
            PhoneNumber.objects.enabled().filter(number=normalized).select_related("team__calendar", "calendar").first()
        )
        if number is None:
            return None
        hit = _numbers[normalized] = (now + NUMBER_CACHE_SECONDS, number)
    number = hit[1]
    return number if provider is None or number.provider == provider else None


def forget_numbers(**kwargs: Any) -> None:
    _numbers.clear()


def external_id(provider: str, sid: str) -> str:
    """The provider's id as the hub stores it: Twilio's SIDs as they are, others prefixed (no clash)."""
    return sid if provider == "twilio" else f"{provider}:{sid}"
