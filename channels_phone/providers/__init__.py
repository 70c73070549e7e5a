"""Telephony providers behind one interface (``base.Provider``): Twilio-compatible, a generic
signed webhook (sipgate.io style), and a test outbox that sends nothing."""

from __future__ import annotations

from channels_phone.providers.base import Provider
from channels_phone.providers.generic import GenericProvider
from channels_phone.providers.outbox import OutboxProvider
from channels_phone.providers.twilio import TwilioProvider

_providers: dict[str, Provider] = {p.key: p for p in (TwilioProvider(), GenericProvider(), OutboxProvider())}


class UnknownProvider(LookupError):
    pass


def get(key: str) -> Provider:
    try:
        return _providers[key]
    except KeyError:
        raise UnknownProvider(f"no telephony provider {key!r}; known: {sorted(_providers)}") from None


# Providers whose webhooks we take (the outbox takes none).
WEBHOOK_PROVIDERS = ("twilio", "generic")
