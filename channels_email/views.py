"""``POST /api/v1/channels/email/inbound``: a raw RFC 822 body from an MTA pipe or parse service.

Authenticated by the mailbox's inbound token (``Authorization: Bearer <token>``); the token
names the mailbox. Only the token's SHA-256 digest is stored (``hub.tokens.digest``): the
lookup is one statement on the digest's unique index. CSRF does not apply: no cookie is
involved, the token is the credential.

The view writes the durable receipt and answers, nothing else: one query for the mailbox, one
INSERT for the receipt (processing is queued after it, on the workers). When the database
cannot take the mail now (PostgreSQL refusing connections, this process's connection pool
busy for its whole timeout), it answers 503 with ``Retry-After``: providers and MTA pipes retry,
and the receipt, a single INSERT, was written whole or not at all (a retry of one that did
commit is a redelivery: 200, ``duplicate``).
"""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_email.inbound import accept
from channels_email.models import Mailbox
from hub.pools import is_unavailable
from hub.tokens import digest

log = logging.getLogger(__name__)

# Seconds a sender is asked to wait before it tries again when the database is unavailable.
RETRY_AFTER_SECONDS = 30


# The columns the receipt needs. Read with one plain statement: building the ORM query and a
# whole Mailbox (its encrypted secrets included) had been half of the view's CPU per mail.
_FIELDS = ("id", "address", "inbound_token_digest", "max_message_bytes")


def _mailbox(request: HttpRequest) -> Mailbox | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in ("bearer", "token") or not token.strip():
        return None
    # A fast hash is right: the token has 256 random bits, nobody guesses it. Comparing digests
    # in SQL tells a timing observer nothing about the token.
    hashed = digest(token.strip())
    qn = connection.ops.quote_name
    sql = (
        f"SELECT {', '.join(qn(f) for f in _FIELDS)} FROM {qn(Mailbox._meta.db_table)}"  # noqa: S608 - model names
        f" WHERE {qn('enabled')} AND {qn('inbound_token_digest')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [hashed])
        row = cursor.fetchone()  # the digest is unique
    if row is None:
        return None
    # The other fields are deferred: read on access, never overwritten by a save.
    return Mailbox.from_db(connection.alias, list(_FIELDS), list(row))


def _unavailable(error: Exception) -> JsonResponse:
    log.warning("inbound mail answered 503: the database is unavailable (%s: %s)", type(error).__name__, error)
    response = JsonResponse({"error": "the hub cannot take mail right now; try again later"}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> JsonResponse:
    try:
        mailbox = _mailbox(request)
    except Exception as error:
        if is_unavailable(error):
            return _unavailable(error)
        raise
    if mailbox is None:
        return JsonResponse({"error": "a valid mailbox token is required"}, status=401)
    raw = request.body
    if not raw.strip():
        return JsonResponse({"error": "the body must be a raw RFC 822 mail"}, status=400)
    if len(raw) > mailbox.max_message_bytes:
        return JsonResponse({"error": "the mail is larger than this mailbox accepts"}, status=413)
    try:
        event, created = accept(raw, mailbox=mailbox, source="api")
    except Exception as error:
        if is_unavailable(error):
            return _unavailable(error)
        raise
    return JsonResponse({"event": event.pk, "duplicate": not created}, status=202 if created else 200)
