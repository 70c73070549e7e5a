"""Small text helpers shared by the pipeline and the UI."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """Drop NUL and other control characters: PostgreSQL rejects NUL in text columns."""
    return _CONTROL.sub("", value) if value else ""


def preview(value: str, length: int) -> str:
    flat = _SPACE.sub(" ", clean_text(value)).strip()
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"
