"""Two sessions racing for a row, for tests of what a lock must decide (PostgreSQL only)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection, transaction


def waits_for_a_lock(seconds: float = 10) -> bool:
    """Whether another session of this database waits for a row lock, within ``seconds``."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def behind_a_lock(holder: Callable[[], object], waiter: Callable[[], None]) -> None:
    """``holder`` runs in a transaction of its own thread and keeps it open until ``waiter``, in
    another thread, waits for a row the holder locked; then the holder commits and the waiter
    goes on. So the waiter surely reads after the wait, which a timed pause cannot promise.
    ``waiter`` keeps what it finds itself (an exception in it would be lost in its thread)."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                holder()
                holding.set()
                release.wait(20)
        finally:
            connection.close()

    def wait() -> None:
        try:
            waiter()
        finally:
            connection.close()

    first, second = threading.Thread(target=hold), threading.Thread(target=wait)
    first.start()
    assert holding.wait(10), "the holder never took its lock"
    second.start()
    try:
        assert waits_for_a_lock(), "the waiter never waited for the holder's row"
    finally:
        release.set()
    for thread in (first, second):
        thread.join(timeout=20)
