"""The external lookup: the company's CRM or shop asked about a customer, off the pipeline's path.

``refresh`` (a task queued after the pipeline's commit) calls the connector's URL with the
customer's address, number or id filled in, with its auth header and timeout, and keeps the
JSON object it answers in the cache for the connector's TTL, or the reason it could not. The
pipeline, rules (``external.<field>``) and the customer panel only ever read that cache
(``cached``): a connector that is slow, down or answers garbage never delays or fails a
message; the panel then says the lookup is unavailable.

A circuit breaker stops asking after ``FAILURES_TO_OPEN`` failures in a row, for ``OPEN_FOR``
seconds: a CRM that is down is not hammered once per message.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.core.cache import cache
from django.utils.translation import gettext, gettext_noop

from hub.models import ExternalLookup, Identity, IdentityKind

log = logging.getLogger(__name__)

FAILURES_TO_OPEN = 5
OPEN_FOR = 60.0  # seconds
MAX_BYTES = 256 * 1024  # an answer longer than this is refused, not read to the end
_KEY = "routing:external:{}"
_FAILURES = "routing:external:failures"
_OPEN_UNTIL = "routing:external:open-until"


@dataclass(frozen=True)
class Reason:
    """Why there is no answer, worded in the reader's language when shown (``str``): the reason
    is kept in the cache and read by agents of either language."""

    text: str  # an English message marked for translation (gettext_noop)
    params: dict[str, str | int] = field(default_factory=dict)

    def __str__(self) -> str:
        return gettext(self.text) % self.params if self.params else gettext(self.text)

    def stored(self) -> dict[str, Any]:
        return {"text": self.text, "params": self.params}

    @classmethod
    def of(cls, kept: object) -> Reason | str:
        if isinstance(kept, dict) and isinstance(kept.get("text"), str):
            params = kept.get("params")
            return cls(kept["text"], params if isinstance(params, dict) else {})
        return str(kept or "")  # kept by an earlier version: as it was worded


@dataclass(frozen=True)
class Answer:
    """What the panel shows: the data, or why there is none (``pending``: not asked yet)."""

    data: dict[str, Any] | None
    error: Reason | str = ""
    pending: bool = False


class LookupFailed(Exception):
    def __init__(self, text: str, **params: str | int) -> None:
        self.reason = Reason(text, params)
        super().__init__(text % params if params else text)


NOT_HTTP = gettext_noop("the URL is not http or https")
TOO_LONG = gettext_noop("the answer is too long")
INCOMPLETE = gettext_noop("no complete answer within %(ms)s ms")
ANSWERED = gettext_noop("the service answered %(code)s")
NO_ANSWER = gettext_noop("no answer within %(ms)s ms")
UNREACHABLE = gettext_noop("the service cannot be reached (%(reason)s)")
NOT_JSON = gettext_noop("the answer is not JSON")
NOT_OBJECT = gettext_noop("the answer is not a JSON object")
NO_CACHE = gettext_noop("the cache is unreachable")
NOT_SET_UP = gettext_noop("no external lookup is set up")
FAILING = gettext_noop("the service failed repeatedly; asked again in a minute")
NOTHING_TO_ASK = gettext_noop("the customer has nothing the URL asks for")
BAD_TEMPLATE = gettext_noop("the URL cannot be filled in (%(reason)s)")


def connector() -> ExternalLookup | None:
    return ExternalLookup.objects.filter(enabled=True).order_by("pk").first()


def cached(customer_id: int) -> Answer:
    """The stored answer for a customer, without asking anyone."""
    try:
        found = cache.get(_KEY.format(customer_id))
    except Exception:  # noqa: BLE001 - the cache being down makes the lookup unavailable, nothing more
        return Answer(None, Reason(NO_CACHE))
    if not isinstance(found, dict):
        return Answer(None, pending=True)
    data = found.get("data")
    return Answer(data if isinstance(data, dict) else None, Reason.of(found.get("error")))


def url_for(template: str, customer_id: int) -> str | None:
    """The connector's URL for the customer, or None when it names something the customer lacks."""
    values = {"customer_id": str(customer_id)}
    for kind, value in Identity.objects.filter(
        customer_id=customer_id, kind__in=(IdentityKind.EMAIL, IdentityKind.PHONE)
    ).values_list("kind", "value"):
        key = "email" if kind == IdentityKind.EMAIL else "phone"
        values.setdefault(key, value)
    try:
        return template.format_map({k: quote(v, safe="@+") for k, v in values.items()})
    except (KeyError, IndexError, ValueError):
        return None


def _fetch(lookup: ExternalLookup, url: str) -> dict[str, Any]:
    if not url.startswith(("http://", "https://")):
        raise LookupFailed(NOT_HTTP)
    headers = {"Accept": "application/json", "User-Agent": "servicehub-lookup"}
    if lookup.auth_header and lookup.auth_value:
        headers[lookup.auth_header] = str(lookup.auth_value)
    timeout = max(lookup.timeout_ms, 1) / 1000
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only, checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = b""
            while chunk := response.read(16384):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise LookupFailed(TOO_LONG)
                if time.monotonic() > deadline:
                    raise LookupFailed(INCOMPLETE, ms=lookup.timeout_ms)
    except urllib.error.HTTPError as exc:
        raise LookupFailed(ANSWERED, code=exc.code) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or isinstance(exc, TimeoutError):
            raise LookupFailed(NO_ANSWER, ms=lookup.timeout_ms) from None
        raise LookupFailed(UNREACHABLE, reason=str(reason)) from None
    try:
        data = json.loads(body)
    except ValueError:
        raise LookupFailed(NOT_JSON) from None
    if not isinstance(data, dict):
        raise LookupFailed(NOT_OBJECT)
    return data


def _open() -> bool:
    until = cache.get(_OPEN_UNTIL)
    return isinstance(until, int | float) and until > time.time()


def _failed(reason: str) -> None:
    try:
        failures = cache.incr(_FAILURES)
    except ValueError:
        cache.set(_FAILURES, 1, None)
        failures = 1
    if failures >= FAILURES_TO_OPEN:
        cache.set(_OPEN_UNTIL, time.time() + OPEN_FOR, int(OPEN_FOR) + 1)
        cache.delete(_FAILURES)
        log.warning("external lookup: %s failures in a row (%s); not asked for %.0f s", failures, reason, OPEN_FOR)


def refresh(customer_id: int, *, force: bool = False) -> Answer:
    """Ask the connector about the customer unless a fresh answer is kept; what is kept now."""
    lookup = connector()
    if lookup is None:
        return Answer(None, Reason(NOT_SET_UP))
    key = _KEY.format(customer_id)
    if not force and isinstance(cache.get(key), dict):
        return cached(customer_id)
    if _open():
        reason = Reason(FAILING)
        cache.set(key, {"error": reason.stored()}, int(OPEN_FOR))
        return Answer(None, reason)
    url = url_for(lookup.url_template, customer_id)
    if url is None:
        reason = Reason(NOTHING_TO_ASK)
        cache.set(key, {"error": reason.stored()}, lookup.ttl_seconds)
        return Answer(None, reason)
    try:
        data = _fetch(lookup, url)
    except LookupFailed as exc:
        _failed(str(exc))
        log.info("external lookup for customer %s failed: %s", customer_id, exc)
        # Kept briefly: the panel says why, and the next message asks again.
        cache.set(key, {"error": exc.reason.stored()}, min(lookup.ttl_seconds, 60))
        return Answer(None, exc.reason)
    cache.delete(_FAILURES)
    cache.set(key, {"data": data}, lookup.ttl_seconds)
    return Answer(data)


def try_address(email: str) -> Answer:
    """Ask the connector now about an address (the settings screen's try), keeping nothing."""
    lookup = connector() or ExternalLookup.objects.order_by("pk").first()
    if lookup is None:
        return Answer(None, Reason(NOT_SET_UP))
    try:
        url = lookup.url_template.format_map({"email": quote(email, safe="@+"), "phone": "", "customer_id": ""})
        return Answer(_fetch(lookup, url))
    except LookupFailed as exc:
        return Answer(None, exc.reason)
    except (KeyError, IndexError, ValueError) as exc:
        return Answer(None, Reason(BAD_TEMPLATE, {"reason": str(exc)}))
