"""Appending to a session's log: what visitor messages (``inbound``) and agent replies (``outbound``) share.

A message on the log needs the session's next sequence number, taken under the session's row
lock. Done with the ORM that is a transaction of five to seven round trips (BEGIN, SELECT …
FOR UPDATE, UPDATE, INSERT, the inbound receipt in a savepoint, COMMIT); at a hundred
messages a second on two cores those round trips and their Python were most of the cost of
a message. On PostgreSQL a data-modifying CTE does it in one statement: the UPDATE that takes
the lock and the number, the INSERT of the message and (for a visitor) of the durable inbound
receipt. Outside a transaction it commits on its own; inside one it is part of it.

The INSERTs are built from the models' fields (``hub.sql.insert_select``), so a column added
later gets its model default here as everywhere else; only the values that come from the
session row are SQL. Other databases (SQLite, the embedded mode) take the same steps with the
ORM in a transaction (``one_statement=False``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from channels_chat.models import ChatSession
from hub import sql


@dataclass(frozen=True)
class Appended:
    pk: int
    seq: int
    public_id: str


# The session's id and the sequence number the UPDATE took (CTE ``s``), for the message's INSERT.
NUMBERED: dict[str, sql.SQL] = {"session_id": ("s.id", []), "seq": ("s.last_seq", [])}


def use_one_statement(wanted: bool | None) -> bool:
    """Whether to append in one statement: as asked, else where the database can (PostgreSQL)."""
    return connection.vendor == "postgresql" if wanted is None else wanted


def next_seq(session: ChatSession, *also: str) -> int:
    """The ORM way: the locked ``session``'s next number, saved with the fields in ``also``."""
    session.last_seq += 1
    session.save(update_fields=["last_seq", *also])
    return session.last_seq
