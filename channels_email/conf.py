"""The email channel's settings, from the environment, parsed as strictly as the hub's.

``hub.settings`` takes them in (``hub.config.app_settings``): read them as ``settings.NAME``.
Runs while Django's settings are being made, so it must not read them.
"""

from __future__ import annotations

from typing import Any

from hub.config import Env


def settings(env: Env) -> dict[str, Any]:
    return {
        # How often the IMAP mailboxes are polled (by beat, or runhub's scheduler), in seconds.
        "EMAIL_IMAP_POLL_SECONDS": env.int("EMAIL_IMAP_POLL_SECONDS", default=60, min_value=5),
        # Mails fetched per mailbox and poll; the rest come on the next poll.
        "EMAIL_IMAP_BATCH": env.int("EMAIL_IMAP_BATCH", default=200, min_value=1),
        # `smtp_inbound`: where the inbound SMTP server listens.
        "EMAIL_SMTP_INBOUND_HOST": env.str("EMAIL_SMTP_INBOUND_HOST", default="127.0.0.1"),
        "EMAIL_SMTP_INBOUND_PORT": env.int("EMAIL_SMTP_INBOUND_PORT", default=2525, min_value=1, max_value=65535),
    }
