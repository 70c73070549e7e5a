"""One queued drain instead of a Celery task per inbound event.

``receive`` calls ``kick`` after its commit. ``kick`` queues a drain task only if none is
pending, which a flag in Redis says (``SET NX`` with a time limit). The drain claims events in
batches until none is left; before it stops it deletes the flag and then looks once more.

Why no event is left behind (the race between a receiver and the drain finishing):

* A receiver commits its event, then tries to set the flag.
* If it sets the flag, it queues a drain itself, which will claim the event.
* If the flag was already set, some drain was queued or running and has not yet deleted the
  flag. Every drain deletes the flag and only *then* makes its final claim, so that final claim
  starts after the receiver's failed attempt to set the flag, hence after the event's commit,
  and sees the event (READ COMMITTED: each statement sees what was committed before it).
  A drain that stops early because its time is up queues its successor and leaves the flag
  set; the successor deletes it in the end.
* The final claim skips events locked by another worker's batch; that worker processes them,
  or (if it dies) leaves them ``received`` for the next drain.

The flag expires after ``PENDING_SECONDS``, so a drain task that is lost (a broker losing its
queue, a worker killed before it ran the task) delays mail only until the next receipt queues a
fresh drain. If no mail follows, the beat sweep (``sweep_inbound``) picks the events up.

With eager tasks (tests, the embedded mode) the drain runs right there, so there is nothing to
debounce; with a cache that other processes do not share, the flag would mislead them, so
every receipt queues a drain (each one finds its events or nothing).

Redis unreachable (a restart, a failover) when a receipt has committed: the mail is ours, and
the receiver answers "accepted" as usual. ``kick`` logs that the drain is owed and a thread of
this process queues it again every few seconds until Redis answers, then logs that it did; if
the process ends first, the beat sweep finds the events still ``received``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from hub.pipeline.process import BATCH_SIZE, process_batch

log = logging.getLogger(__name__)

PENDING_SECONDS = 30
# A drain task gives the worker back after this long and queues its successor: other tasks
# (deliveries, the sweep) get their turn, and no task comes near Celery's time limits.
DRAIN_SECONDS = 5.0


def _flag() -> str:
    # Per database: test runs and benchmarks on one Redis must not hold each other's flag.
    return f"hub:inbound-drain:{connection.settings_dict['NAME']}"


def _shared_cache() -> RedisCache | None:
    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) else None


def forget() -> None:
    """Forget a pending drain: for a fresh start when the workers that would run it are gone."""
    cache = _shared_cache()
    if cache is not None:
        cache.delete(_flag())


def kick(queue_drain: Callable[[], object], eager: bool) -> None:
    """Queue a drain unless one is pending. Call it after the events' commit.

    Never raises for an unreachable Redis or broker: the events are committed, so the drain is
    owed, not lost (``_Owed``).
    """
    if eager:
        queue_drain()  # runs the drain right here: its failures are the caller's to see
        return
    try:
        cache = _shared_cache()
        if cache is None or cache.add(_flag(), "1", PENDING_SECONDS):
            queue_drain()
    except Exception as exc:  # noqa: BLE001 - whatever the broker raises, the receipt stands
        _owed.add(queue_drain, exc)


def hand_back(queue_drain: Callable[[], object], eager: bool) -> None:
    """Queue a drain for events that waited too long (the sweep), whatever the flag says.

    The flag may belong to a drain that was lost (a worker killed mid-task), so it is set anew
    rather than asked. The drain takes the events oldest first, in batches that decide in
    arrival order: re-queued mail keeps its order, which tasks per event running side by side
    did not (a reply stored before the mail it answers became a ticket of its own).
    """
    if eager:
        queue_drain()
        return
    cache = _shared_cache()
    if cache is not None:
        cache.set(_flag(), "1", PENDING_SECONDS)
    queue_drain()


class _Owed:
    """Drains this process could not queue, queued again by one thread until the broker answers.

    ``owed`` is taken under the lock before each attempt and set again by every failed kick, so
    a receipt that fails while an attempt is under way is covered by the next one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owed = False
        self._thread: threading.Thread | None = None
        self.retry_seconds = 1.0

    def add(self, queue_drain: Callable[[], object], exc: Exception) -> None:
        with self._lock:
            self._owed = True
            if self._thread is not None:
                return
            self._thread = threading.Thread(
                target=self._retry, args=(queue_drain, time.monotonic()), name="hub-owed-drain", daemon=True
            )
            self._thread.start()
        log.warning(
            "inbound events stored, but their drain could not be queued (%s: %s); "
            "queueing it again until Redis answers (else the sweep takes them)",
            type(exc).__name__,
            str(exc).split("\n", 1)[0][:200],
        )

    def _retry(self, queue_drain: Callable[[], object], since: float) -> None:
        delay = self.retry_seconds
        while True:
            time.sleep(delay)
            with self._lock:
                if not self._owed:
                    self._thread = None
                    return
                self._owed = False
            try:
                cache = _shared_cache()
                if cache is not None:
                    cache.set(_flag(), "1", PENDING_SECONDS)
                queue_drain()
            except Exception:  # noqa: BLE001 - still unreachable: try again, less often
                with self._lock:
                    self._owed = True
                delay = min(delay * 2, 30.0)
                continue
            delay = self.retry_seconds
            log.warning(
                "Redis answers again: the owed drain of inbound events is queued (after %.0f s)",
                time.monotonic() - since,
            )


_owed = _Owed()


def drain(queue_drain: Callable[[], object], retry: Callable[[int, float], object], eager: bool) -> int:
    """Process received events in batches until none is left; how many were claimed."""
    cache = None if eager else _shared_cache()
    deadline = time.monotonic() + DRAIN_SECONDS
    claimed = 0
    try:
        while True:
            report = process_batch(BATCH_SIZE)
            for event_id, seconds in report.retries:
                retry(event_id, seconds)
            claimed += report.claimed
            if report.claimed >= BATCH_SIZE:  # a full batch: there may be more
                if not eager and time.monotonic() > deadline:
                    if cache is not None:
                        cache.set(_flag(), "1", PENDING_SECONDS)  # still pending: the successor's
                    queue_drain()
                    return claimed
                continue
            if cache is None:
                return claimed
            # Delete first, then the final look (see the module docstring).
            cache.delete(_flag())
            report = process_batch(BATCH_SIZE)
            for event_id, seconds in report.retries:
                retry(event_id, seconds)
            claimed += report.claimed
            if not report.claimed:
                return claimed
    except BaseException:
        # Whatever broke, the next receipt must be able to queue a drain again.
        if cache is not None:
            cache.delete(_flag())
        raise
