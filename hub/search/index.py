"""The search words table built anew (``manage.py rebuild_search_index``), PostgreSQL only.

The triggers of migration 0019 keep ``hub_ticketsearch`` current; this is for repair: after a
restore of only some tables, or to be sure after migrating a hub that took mail meanwhile.
It runs the migration's own SQL function, a batch of tickets per transaction, so a large hub
keeps working while it runs and an interrupted run can simply start again.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections, transaction

BATCH = 2000


def rebuild(*, batch: int = BATCH, since: int = 0, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuilds the documents of every ticket with an id above ``since``; returns how many."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM hub_ticket WHERE id > %s", [since])
        total = int(cursor.fetchone()[0])
        done, last = 0, since
        while True:
            with transaction.atomic():
                cursor.execute("SELECT id FROM hub_ticket WHERE id > %s ORDER BY id LIMIT %s", [last, batch])
                ids = [row[0] for row in cursor.fetchall()]
                if not ids:
                    break
                cursor.execute("SELECT hub_search_rebuild(%s::bigint[])", [ids])
            done, last = done + len(ids), ids[-1]
            if progress is not None:
                progress(done, total)
    return done
