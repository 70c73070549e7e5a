"""Connections kept per process: PostgreSQL's pool and one Redis pool per server.

**PostgreSQL.** ``hub.settings`` configures Django's psycopg pool (``OPTIONS["pool"]``, sized
by ``DATABASE_POOL_SIZE``). A request, a task or a socket's database hop takes a connection
from the pool and gives it back when it ends (``CONN_MAX_AGE`` is 0: "closing" a pooled
connection returns it); the pool checks a connection before handing it out
(``CONN_HEALTH_CHECKS``), so one that died with a PostgreSQL restart is replaced, not used;
the first dead one makes it replace all the others at once (``hub.postgresql``).
Under ASGI every request runs in a context of its own, where ``CONN_MAX_AGE`` had kept nothing:
every request had opened (and left behind) a connection of its own.

**Redis.** Django's ``RedisCache`` builds its client, and with it its connection pool, per
cache object, and the cache handler makes a cache object per context: under ASGI, per
request, so every rate-limited request had opened a Redis connection. ``PooledRedisCache``
shares one client (one pool per server) among all cache objects of a process with the same
servers and options. redis-py's pool notices a fork and starts afresh in the child.

``close_database_pools`` closes the pools when the process ends: ``hub.celery``, which every
process imports first, registers it with ``atexit`` and, for a Celery pool child, which ends
without running ``atexit``, at ``worker_process_shutdown``.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

__all__ = ["PooledRedisCache", "close_database_pools", "is_unavailable"]

_clients: dict[tuple[Any, ...], RedisCacheClient] = {}
_clients_lock = threading.Lock()


class PooledRedisCache(RedisCache):
    """Django's Redis cache with one client (and connection pool) per process and server."""

    @cached_property
    def _cache(self) -> RedisCacheClient:
        this: Any = self  # RedisCache's private attributes, which django-stubs leave out
        key = (tuple(this._servers), repr(sorted(this._options.items())))
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = this._class(this._servers, **this._options)
            return client


def close_database_pools(**_signal: Any) -> None:
    """Close this process's PostgreSQL pools: their connections end now, not at the server's timeout.

    Only pools that were opened: a process that never reached the database (a start-up that
    stopped on a bad setting, SQLite) has nothing to close and reads no settings here.
    """
    backend = sys.modules.get("django.db.backends.postgresql.base")
    pools: dict[str, Any] = getattr(getattr(backend, "DatabaseWrapper", None), "_connection_pools", {})
    if not pools:
        return
    from django.db import connections

    for alias in list(pools):
        conn: Any = connections[alias]  # PostgreSQL's wrapper: close_pool
        with contextlib.suppress(Exception):
            conn.close()
        with contextlib.suppress(Exception):
            conn.close_pool()


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot take work now (retry later), not a bug.

    PostgreSQL refusing connections (down, restarting, out of slots) or this process's pool
    staying exhausted for its whole timeout. A receipt that met it wrote nothing: the front
    doors answer "try again later" (HTTP 503, SMTP 451), and the sender keeps the mail.
    """
    from django.db import InterfaceError, OperationalError

    try:
        from psycopg_pool import PoolTimeout, TooManyRequests
    except ImportError:  # pragma: no cover - the pool is a dependency; SQLite needs none
        pool_errors: tuple[type[BaseException], ...] = ()
    else:
        pool_errors = (PoolTimeout, TooManyRequests)
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (*pool_errors, OperationalError, InterfaceError)):
            return True
        current = current.__cause__ or current.__context__
    return False
