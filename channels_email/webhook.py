"""The inbound webhook's whole decision: ``Authorization`` header and body in, an answer out.

A raw RFC 822 body from an MTA pipe or parse service, authenticated by the mailbox's inbound
token (``Authorization: Bearer <token>``); the token names the mailbox. Only the token's SHA-256
digest is stored (``hub.tokens.digest``): the lookup is one statement on the digest's unique
index.

``answer`` writes the durable receipt and answers, nothing else: one query for the mailbox, one
INSERT for the receipt (processing is queued after it, on the workers). When the database
cannot take the mail now (PostgreSQL refusing connections, this process's connection pool busy
for its whole timeout), it answers 503 with ``Retry-After``: providers and MTA pipes retry, and
the receipt, a single INSERT, was written whole or not at all (a retry of one that did commit
is a redelivery: 200, ``duplicate``). A refusal (401, 400, 413) writes nothing.

Two callers: the Django view (``channels_email.views.inbound``) and, in front of Django's
request stack, the hub's receipt door (``hub.receipt_doors``), which answers the same way.
"""

from __future__ import annotations

import logging

from django.db import connection

from channels_email.inbound import accept
from channels_email.models import Mailbox
from hub.adapters import Answer
from hub.pools import is_unavailable
from hub.tokens import digest

log = logging.getLogger(__name__)

# Seconds a sender is asked to wait before it tries again when the database is unavailable.
RETRY_AFTER_SECONDS = 30

# The columns the receipt needs. Read with one plain statement: building the ORM query and a
# whole Mailbox (its encrypted secrets included) had been half of the view's CPU per mail.
_FIELDS = ("id", "address", "inbound_token_digest", "max_message_bytes")


def _mailbox(authorization: str) -> Mailbox | None:
    scheme, _, token = authorization.partition(" ")
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


def _unavailable(error: Exception) -> Answer:
    log.warning("inbound mail answered 503: the database is unavailable (%s: %s)", type(error).__name__, error)
    return Answer(
        503,
        {"error": "the hub cannot take mail right now; try again later"},
        (("Retry-After", str(RETRY_AFTER_SECONDS)),),
    )


def answer(authorization: str, raw: bytes) -> Answer:
    try:
        mailbox = _mailbox(authorization)
    except Exception as error:
        if is_unavailable(error):
            return _unavailable(error)
        raise
    if mailbox is None:
        return Answer(401, {"error": "a valid mailbox token is required"})
    if not raw.strip():
        return Answer(400, {"error": "the body must be a raw RFC 822 mail"})
    if len(raw) > mailbox.max_message_bytes:
        return Answer(413, {"error": "the mail is larger than this mailbox accepts"})
    try:
        event, created = accept(raw, mailbox=mailbox, source="api")
    except Exception as error:
        if is_unavailable(error):
            return _unavailable(error)
        raise
    return Answer(202 if created else 200, {"event": event.pk, "duplicate": not created})
