"""The phone and SMS channel's settings, from the environment, parsed as strictly as the hub's.

``hub.settings`` takes them in (``hub.config.app_settings``): read them as ``settings.NAME``.
Runs while Django's settings are being made, so it must not read them.
"""

from __future__ import annotations

from typing import Any

from hub.config import Env


def settings(env: Env) -> dict[str, Any]:
    return {
        # REST base URLs of the providers (outbound SMS, recordings, media). Tests point them at
        # a loopback server that plays the provider.
        "PHONE_TWILIO_API_URL": env.url("PHONE_TWILIO_API_URL", default="https://api.twilio.com"),
        "PHONE_GENERIC_API_URL": env.url("PHONE_GENERIC_API_URL", default="https://api.sipgate.com/v2"),
        # Seconds a provider's REST call may take before it counts as failed (and is retried).
        "PHONE_HTTP_TIMEOUT": env.int("PHONE_HTTP_TIMEOUT", default=20, min_value=1, max_value=300),
        # A signed request of the generic provider older (or newer) than this is refused: replays.
        "PHONE_SIGNATURE_MAX_AGE": env.int("PHONE_SIGNATURE_MAX_AGE", default=300, min_value=30, max_value=3600),
        # An inbound SMS joins the customer's open SMS ticket active within this many days.
        "PHONE_SMS_THREAD_DAYS": env.int("PHONE_SMS_THREAD_DAYS", default=7, min_value=0, max_value=365),
        # A call joins the customer's open phone ticket active within this many days.
        "PHONE_CALL_THREAD_DAYS": env.int("PHONE_CALL_THREAD_DAYS", default=7, min_value=0, max_value=365),
        # How long each agent's phone rings before the next one is tried, and how many are tried.
        "PHONE_RING_SECONDS": env.int("PHONE_RING_SECONDS", default=20, min_value=5, max_value=120),
        "PHONE_DIAL_MAX_AGENTS": env.int("PHONE_DIAL_MAX_AGENTS", default=3, min_value=1, max_value=20),
        # The longest voicemail recorded, in seconds.
        "PHONE_VOICEMAIL_MAX_SECONDS": env.int(
            "PHONE_VOICEMAIL_MAX_SECONDS", default=120, min_value=10, max_value=3600
        ),
        # A missed call or a voicemail is to be called back within this many minutes of opening time.
        "PHONE_CALLBACK_MINUTES": env.int("PHONE_CALLBACK_MINUTES", default=120, min_value=5),
        # The largest recording or MMS media file fetched from a provider.
        "PHONE_MAX_MEDIA_BYTES": env.int("PHONE_MAX_MEDIA_BYTES", default=20 * 1024 * 1024, min_value=1024),
        # Downloads (recordings, MMS media) are tried this often before they are given up.
        "PHONE_FETCH_MAX_ATTEMPTS": env.int("PHONE_FETCH_MAX_ATTEMPTS", default=8, min_value=1),
    }
