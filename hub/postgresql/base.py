"""Django's PostgreSQL backend, with a pool that drops every dead connection at the first it meets.

A PostgreSQL restart ends every connection a pool holds. The pool checks a connection before it
hands it out (CONN_HEALTH_CHECKS) and, when one is dead, waits before the next try with a delay
that doubles: 1, 2, 4 s... A web process that a burst had left with a handful of idle
connections spent its whole DATABASE_POOL_TIMEOUT checking them one by one, and the first mail
after the restart was answered 503. Here the first dead connection makes the pool check all of
its idle ones at once (a dead one fails at once) and open new ones, so the wait is one delay.
An idle connection with nothing waiting on its socket is handed out without the check's round
trip (``_quiet``).
"""

from __future__ import annotations

import logging
import select
import weakref
from typing import Any

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

__all__ = ["DatabaseWrapper"]

log = logging.getLogger(__name__)
_swept: weakref.WeakSet[Any] = weakref.WeakSet()


def _quiet(conn: Any) -> bool:
    """Whether an idle connection has nothing waiting on its socket, so it needs no round trip
    to be trusted. A connection the server ended (a restart, ``pg_terminate_backend``) has the
    server's goodbye and the end of the stream waiting there; anything waiting, or a connection
    not idle, gets the pool's real check. A check per hand-out had been a round trip on every
    request, task and socket hop: 11 % of the chat server's database time under load."""
    try:
        if conn.closed or conn.info.transaction_status != TransactionStatus.IDLE:
            return False
        poller = select.poll()  # not select.select: a web process's sockets pass FD_SETSIZE
        poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except Exception:  # noqa: BLE001 - any doubt: the real check decides
        return False


def _sweeping(pool: Any) -> None:
    if not hasattr(pool, "_check"):
        # A psycopg_pool that keeps its check elsewhere: the hub still works, but the first
        # requests after a PostgreSQL restart may wait out the pool's timeout and answer 503.
        log.warning(
            "psycopg_pool %s keeps no _check: dead connections are no longer swept at once after a"
            " PostgreSQL restart; pin the psycopg-pool version the hub was tested with or update"
            " hub/postgresql/base.py",
            getattr(pool, "__module__", "?"),
        )
        return
    check = pool._check  # psycopg_pool keeps its check callback here (None: no checks)
    if check is None:
        return

    def check_or_sweep(conn: Any) -> None:
        if _quiet(conn):
            return
        try:
            check(conn)
        except Exception:
            pool.check()  # the other idle connections: tested now, the dead replaced
            raise

    pool._check = check_or_sweep


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> Any:
        pool = super().pool
        if pool is not None and pool not in _swept:
            _swept.add(pool)
            _sweeping(pool)
        return pool
