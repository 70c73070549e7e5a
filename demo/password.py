"""The demo admin's password: from HUB_ADMIN_PASSWORD, else generated once and kept in var/."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings


def password_file() -> Path:
    return Path(settings.BASE_DIR) / "var" / "admin-password.txt"


def admin_password() -> str:
    """The configured password, else the stored one, else a new one that is stored for later runs.

    Stored so that ``make run`` prints the same login every time without anyone choosing a
    password; var/ is not under version control.
    """
    if settings.HUB_ADMIN_PASSWORD:
        return str(settings.HUB_ADMIN_PASSWORD)
    path = password_file()
    if path.exists():
        stored = path.read_text(encoding="utf-8").strip()
        if stored:
            return stored
    generated = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(generated + "\n", encoding="utf-8")
    path.chmod(0o600)
    return generated
