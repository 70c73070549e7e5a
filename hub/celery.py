from __future__ import annotations

import atexit
import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")

app = Celery("hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def tidy_database_connections(sender: Any = None, **kwargs: Any) -> None:
    """What Django does around every request, around every task: ``close_old_connections``.

    Celery's Django fixup keeps connections across tasks (``CELERY_DB_REUSE_MAX``) but never
    asks whether they still work, so after a PostgreSQL restart every task failed on the dead
    connection until the worker was restarted. With PostgreSQL's pool (``hub.pools``) this
    gives the task's connection back to the pool after the task, and the pool checks it before
    the next task gets it: a dead connection is replaced there. Without a pool (SQLite) it arms
    Django's health check before a task and closes a broken connection after it.
    Not for eager tasks: they run inside the caller's request and transaction.
    """
    from django.db import close_old_connections, connections

    request = getattr(sender, "request", None)
    if getattr(request, "is_eager", False):
        return
    if any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        return
    close_old_connections()


@task_postrun.connect
def flush_realtime_events(sender: Any = None, **kwargs: Any) -> None:
    """A task's realtime events are out before the worker takes the next one or its child ends
    (``hub.realtime`` sends them from its own loop, without the task waiting)."""
    from hub import realtime

    realtime.flush()


def close_database_pools(**kwargs: Any) -> None:
    """Close the process's PostgreSQL pool as it ends (``hub.pools``): every process imports this module.

    A Celery pool child ends without running ``atexit``, hence the signal as well.
    """
    from hub.pools import close_database_pools as close

    close()


atexit.register(close_database_pools)
worker_process_shutdown.connect(close_database_pools)


@worker_init.connect
def survive_broker_restarts(**kwargs: Any) -> None:
    """Keep the worker alive when Redis restarts while it holds unacknowledged tasks.

    With late acks a worker always holds some. When its Redis connection breaks, Celery closes
    the connection, and kombu's Redis channel, asked to put the held tasks back or to ack one
    that finished meanwhile, builds a new client from a connection that is gone: an
    AttributeError that Celery does not take for a connection error, so the worker stopped for
    good ("Unrecoverable error") on a mere Redis restart. Raised as the connection error it is,
    Celery logs it and reconnects. A held task that cannot go back is not lost: its events stay
    ``received`` and the sweep hands them to the next drain.
    """
    from kombu.transport import redis as transport
    from redis.exceptions import ConnectionError as RedisConnectionError

    channel: Any = transport.Channel  # kombu's private method, typed loosely on purpose
    original = channel._connparams
    if getattr(original, "closed_connection_guard", False):
        return

    def _connparams(self: Any, asynchronous: bool = False) -> Any:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed")
        return original(self, asynchronous=asynchronous)

    _connparams.closed_connection_guard = True  # type: ignore[attr-defined]
    channel._connparams = _connparams
