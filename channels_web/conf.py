"""The web forms' settings, from the environment, parsed as strictly as the hub's.

``hub.settings`` takes them in (``hub.config.app_settings``): read them as ``settings.NAME``.
Runs while Django's settings are being made, so it must not read them.
"""

from __future__ import annotations

from typing import Any

from hub.config import Env


def settings(env: Env) -> dict[str, Any]:
    return {
        # Web form submissions per IP address and hour.
        "WEBFORM_RATE_PER_IP": env.int("WEBFORM_RATE_PER_IP", default=10, min_value=1),
        "WEBFORM_MAX_ATTACHMENT_BYTES": env.int("WEBFORM_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024, min_value=1),
    }
