"""Stored files served to a browser: a type it shows without running anything is shown, any
other goes down as a download of an opaque type, whatever the sender claimed; never sniffed,
never able to script our origin (a sandbox CSP on every one)."""

from __future__ import annotations

from collections.abc import Collection
from typing import IO, Any

from django.http import FileResponse

# Pictures every browser shows and no mail program or browser runs code from.
IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def file_response(handle: IO[Any], *, content_type: str, filename: str, shown: Collection[str]) -> FileResponse:
    """``handle`` as a response: shown inline when ``content_type`` is one of ``shown``, else a
    download of ``application/octet-stream`` named ``filename``."""
    inline = content_type in shown
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=filename,
        content_type=content_type if inline else "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
