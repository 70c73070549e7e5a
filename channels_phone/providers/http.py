"""The providers' REST calls: one session per process, bounded time and size, errors as ProviderError."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from channels_phone.providers.base import Download, ProviderError

log = logging.getLogger(__name__)
_session: requests.Session | None = None


def session() -> requests.Session:
    global _session
    if _session is None:
        _session = requests.Session()
        _session.headers["User-Agent"] = "servicehub-phone/1"
    return _session


def under(url: str, base: str) -> bool:
    """Whether ``url`` lies under the provider's REST base (media are fetched from nowhere else:
    a webhook must not make us send the number's credentials to a host it names)."""
    u, b = urlsplit(url), urlsplit(base)
    if (u.scheme, u.hostname, u.port) != (b.scheme, b.hostname, b.port):
        return False
    return u.path.startswith(b.path.rstrip("/") + "/") or u.path == b.path


def _error(response: requests.Response) -> ProviderError:
    code, detail = "", response.text[:300]
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = str(body.get("code") or body.get("errorCode") or "")
        detail = str(body.get("message") or body.get("error") or detail)
    # 4xx other than throttling: the request itself is wrong (a bad number, bad credentials).
    retryable = response.status_code >= 500 or response.status_code in (408, 429)
    message = f"HTTP {response.status_code}" + (f" {code}" if code else "") + (f": {detail}" if detail else "")
    return ProviderError(message, retryable=retryable, code=code)


def call(method: str, url: str, **kwargs: Any) -> requests.Response:
    try:
        response = session().request(method, url, timeout=settings.PHONE_HTTP_TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise ProviderError(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 400:
        raise _error(response)
    return response


def download(url: str, *, auth: tuple[str, str], default_type: str) -> Download:
    """GET a file of at most PHONE_MAX_MEDIA_BYTES (streamed, so a large one is cut off early)."""
    limit = settings.PHONE_MAX_MEDIA_BYTES
    try:
        with session().get(url, auth=auth, timeout=settings.PHONE_HTTP_TIMEOUT, stream=True) as response:
            if response.status_code >= 400:
                raise _error(response)
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise ProviderError(f"the file is larger than {limit} bytes", retryable=False)
                chunks.append(chunk)
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip() or default_type
    except requests.RequestException as exc:
        raise ProviderError(f"{type(exc).__name__}: {exc}") from exc
    return Download(b"".join(chunks), content_type)
