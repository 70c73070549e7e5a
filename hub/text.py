"""Small text helpers shared by the pipeline and the UI."""

from __future__ import annotations

import re

# NUL and the other C0 controls but tab and line breaks, and the bidi embeddings and overrides
# (LRE, RLE, PDF, LRO, RLO: U+202A-U+202E). An override turns the rest of its line around, so
# "invoice<RLO>gpj.exe" reads "invoiceexe.jpg"; text that wants another direction has the
# isolates and marks, which reorder nothing outside themselves and stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e]")
# Every bidi formatting character: embeddings, overrides, isolates (U+2066-U+2069) and the
# marks (LRM, RLM, ALM). None belongs in a file name, where the extension must read as it is.
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """Drop NUL and other control characters (PostgreSQL rejects NUL in text columns) and the
    bidi embeddings and overrides, which make text display as something it is not."""
    return _CONTROL.sub("", value) if value else ""


def clean_filename(value: str) -> str:
    """A file name as stored, shown and offered for saving: ``clean_text`` without any bidi
    formatting and without line breaks, so what the agent reads is the real name and extension."""
    return _SPACE.sub(" ", _BIDI.sub("", clean_text(value))).strip()


def title(value: str, length: int = 60) -> str:
    """The beginning of ``value`` as a one-line title: cut at a word boundary before ``length``."""
    flat = _SPACE.sub(" ", clean_text(value)).strip()
    if len(flat) <= length:
        return flat
    cut = flat[: length - 1]
    if " " in cut and not flat[length - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def whole_number(text: str, max_digits: int = 18) -> int | None:
    """``text`` as a number of at most ``max_digits`` ASCII digits (an id from a request: 18 fit
    a bigint), else None: no sign, no space, no other script's digits ("²" is a digit to
    ``isdigit`` and no number to ``int``)."""
    return int(text) if text.isascii() and text.isdecimal() and len(text) <= max_digits else None


def preview(value: str, length: int) -> str:
    flat = _SPACE.sub(" ", clean_text(value)).strip()
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


# Marks a preview that names a message's attachments because it has no text; the agents' list
# shows the mark as the word "Attachment:" in their language (frontend/regions.py).
ATTACHMENT_MARK = "📎 "


def attachment_preview(filenames: list[str]) -> str:
    """ "📎 rechnung.pdf, foto.jpg": the list row's preview of a message that is only attachments."""
    return preview(ATTACHMENT_MARK + ", ".join(clean_filename(name) or "attachment" for name in filenames), 200)


_LANGUAGE = re.compile(r"[a-z]{2,3}(?:[_-][a-z0-9]{2,8})?", re.IGNORECASE)


def language_code(text: str) -> str | None:
    """``text`` as a language code as the hub keeps them ("de", "pt-br"): lower case, a hyphen;
    "" for none; None when it is no code (it would reach routing rules and canned replies)."""
    value = text.strip()
    if not value:
        return ""
    return value.lower().replace("_", "-") if _LANGUAGE.fullmatch(value) else None
