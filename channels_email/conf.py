"""The email channel's settings, from the environment, parsed as strictly as the hub's.

``hub.settings`` takes them in (``hub.config.app_settings``): read them as ``settings.NAME``.
Runs while Django's settings are being made, so it must not read them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.config import Env, SettingError


def _tls(env: Env) -> dict[str, Any]:
    """STARTTLS of the inbound SMTP server: a PEM certificate (chain) and its key, both or neither.

    Without them the server offers no STARTTLS (mail arrives in clear, as from most MTAs without
    a certificate). With ``EMAIL_SMTP_INBOUND_REQUIRE_TLS`` a sender must start TLS before MAIL.
    """
    cert = env.str("EMAIL_SMTP_INBOUND_TLS_CERT", default="").strip()
    key = env.str("EMAIL_SMTP_INBOUND_TLS_KEY", default="").strip()
    required = env.bool("EMAIL_SMTP_INBOUND_REQUIRE_TLS", default=False)
    if bool(cert) != bool(key):
        missing = "EMAIL_SMTP_INBOUND_TLS_KEY" if cert else "EMAIL_SMTP_INBOUND_TLS_CERT"
        raise SettingError(
            f"{missing} is not set: STARTTLS needs EMAIL_SMTP_INBOUND_TLS_CERT and EMAIL_SMTP_INBOUND_TLS_KEY "
            "(paths of PEM files), both or neither."
        )
    if required and not cert:
        raise SettingError(
            "EMAIL_SMTP_INBOUND_REQUIRE_TLS=true needs EMAIL_SMTP_INBOUND_TLS_CERT and EMAIL_SMTP_INBOUND_TLS_KEY."
        )
    for name, value in (("EMAIL_SMTP_INBOUND_TLS_CERT", cert), ("EMAIL_SMTP_INBOUND_TLS_KEY", key)):
        if value and not Path(value).is_file():
            raise SettingError(f"{name}={value!r} is invalid: it must be the path of a readable PEM file.")
    return {
        "EMAIL_SMTP_INBOUND_TLS_CERT": cert,
        "EMAIL_SMTP_INBOUND_TLS_KEY": key,
        "EMAIL_SMTP_INBOUND_REQUIRE_TLS": required,
    }


def settings(env: Env) -> dict[str, Any]:
    return {
        # How often the IMAP mailboxes are polled (by beat, or runhub's scheduler), in seconds.
        "EMAIL_IMAP_POLL_SECONDS": env.int("EMAIL_IMAP_POLL_SECONDS", default=60, min_value=5),
        # Mails fetched per mailbox and poll; the rest come on the next poll.
        "EMAIL_IMAP_BATCH": env.int("EMAIL_IMAP_BATCH", default=200, min_value=1),
        # `smtp_inbound`: where the inbound SMTP server listens.
        "EMAIL_SMTP_INBOUND_HOST": env.str("EMAIL_SMTP_INBOUND_HOST", default="127.0.0.1"),
        "EMAIL_SMTP_INBOUND_PORT": env.int("EMAIL_SMTP_INBOUND_PORT", default=2525, min_value=1, max_value=65535),
        # What agents may attach to one reply (all files together), and how many files.
        "EMAIL_OUTBOUND_MAX_ATTACHMENT_BYTES": env.int(
            "EMAIL_OUTBOUND_MAX_ATTACHMENT_BYTES", default=20 * 1024 * 1024, min_value=1
        ),
        "EMAIL_OUTBOUND_MAX_ATTACHMENTS": env.int("EMAIL_OUTBOUND_MAX_ATTACHMENTS", default=20, min_value=1),
        **_tls(env),
    }
