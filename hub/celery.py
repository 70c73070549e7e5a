from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

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
    connection until the worker was restarted. Before a task this arms the health check (one
    ``SELECT 1`` at the task's first query; a dead connection is replaced there); after it, a
    connection that raised and no longer answers is closed, and one past ``CONN_MAX_AGE`` too.
    Not for eager tasks: they run inside the caller's request and transaction.
    """
    from django.db import close_old_connections, connections

    request = getattr(sender, "request", None)
    if getattr(request, "is_eager", False):
        return
    if any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        return
    close_old_connections()
