"""At least once, exactly one message: the beat sweep finds lost work, concurrent runs do not double it."""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone
from redis import Redis

from hub import adapters
from hub.celery import app
from hub.models import InboundEvent, InboundState, Message, Ticket
from hub.pipeline import drain, process, receive
from hub.tasks import sweep_inbound
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)


def stored(external_id: str, *, state: str = InboundState.RECEIVED, age: int = 0, **fields: Any) -> InboundEvent:
    """An event as the door wrote it, whose task never ran (the broker lost it)."""
    return InboundEvent.objects.create(
        channel="fake",
        external_id=external_id,
        payload=payload(email=f"{external_id}@example.de", text=external_id),
        state=state,
        received_at=timezone.now() - timedelta(seconds=age),
        **fields,
    )


def test_the_sweep_hands_events_stuck_in_received_back_to_the_drain(fake_channel: FakeChannel) -> None:
    stuck = stored("stuck", age=settings.INBOUND_STUCK_AFTER_SECONDS + 5)
    fresh = stored("fresh", age=1)  # its own drain may be queued: only the stuck one counts

    assert sweep_inbound() == 1

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.state == InboundState.PROCESSED and stuck.ticket_id is not None
    # The drain takes every received event, oldest first; the fresh one's drain finds nothing.
    assert fresh.state == InboundState.PROCESSED
    assert stuck.message.pk < fresh.message.pk


@pytest.mark.redis
def test_stuck_events_go_back_as_one_drain_not_as_tasks_that_could_overtake_each_other(
    fake_channel: FakeChannel,
) -> None:
    # A parent mail and two replies to it, all stuck: tasks per event run side by side on the
    # worker's processes, and a reply stored before its parent became a ticket of its own.
    received_at = timezone.now() - timedelta(seconds=settings.INBOUND_STUCK_AFTER_SECONDS + 5)
    for external_id, replies_to in (("<p@x>", []), ("<r1@x>", ["<p@x>"]), ("<r2@x>", ["<p@x>"])):
        fields = payload(message_id=external_id, in_reply_to=replies_to)
        InboundEvent.objects.create(channel="fake", external_id=external_id, payload=fields, received_at=received_at)
    broker = Redis.from_url(settings.CELERY_BROKER_URL)
    queued_before = broker.lrange("celery", 0, -1)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # the sweep queues as it does on a worker
    try:
        assert sweep_inbound() == 3
    finally:
        app.conf.task_always_eager = eager
        sent = broker.lrange("celery", 0, -1)[len(queued_before) :]
        for body in sent:
            broker.lrem("celery", 1, body)
        caches["default"].delete(drain._flag())

    assert [json.loads(body)["headers"]["task"] for body in sent] == ["hub.tasks.drain_inbound"]


def test_the_sweep_retries_failed_events_that_are_due_and_no_others(fake_channel: FakeChannel) -> None:
    due = stored("due", state=InboundState.FAILED, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1))
    later = stored("later", state=InboundState.FAILED, attempts=1, next_attempt_at=timezone.now() + timedelta(hours=1))
    quarantined = stored("q", state=InboundState.QUARANTINED, attempts=3, age=10_000)

    assert sweep_inbound() == 1

    for event in (due, later, quarantined):
        event.refresh_from_db()
    assert due.state == InboundState.PROCESSED and due.attempts == 2
    assert later.state == InboundState.FAILED
    assert quarantined.state == InboundState.QUARANTINED  # only an admin retries these


def test_sweeping_an_already_processed_event_adds_nothing(fake_channel: FakeChannel) -> None:
    event, _ = receive("fake", "m-1", payload())
    InboundEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(days=1))

    assert sweep_inbound() == 0
    assert Message.objects.count() == 1


def test_the_sweep_is_in_the_beat_schedule() -> None:
    from hub.celery import app
    from hub.schedule import beat_schedule

    app.loader.import_default_modules()
    entries = {entry["task"]: entry for entry in beat_schedule().values()}

    assert "hub.tasks.sweep_inbound" in entries
    assert "hub.tasks.sweep_inbound" in app.tasks
    schedule = entries["hub.tasks.sweep_inbound"]["schedule"]
    assert isinstance(schedule, float | int) and schedule <= settings.INBOUND_STUCK_AFTER_SECONDS


def run_together(jobs: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(jobs), timeout=10)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(job: Any) -> None:
        try:
            barrier.wait()
            results.append(job())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return results


def test_one_event_processed_by_two_workers_at_once_gives_one_message(fake_channel: FakeChannel) -> None:
    event = stored("twice")

    outcomes = sorted(r.outcome for r in run_together([lambda: process(event.pk), lambda: process(event.pk)]))

    assert outcomes == ["created", "skipped"]
    assert Message.objects.count() == 1
    event.refresh_from_db()
    assert event.attempts == 1


class SlowChannel(FakeChannel):
    """Lets both workers normalize before either stores, so both pass the duplicate check."""

    def __init__(self) -> None:
        super().__init__(key="slow")
        self.barrier = threading.Barrier(2, timeout=10)
        self.waiting = 2

    def normalize(self, event: InboundEvent) -> Any:
        if self.waiting:  # only the first two calls meet; the loser's second look goes through
            self.waiting -= 1
            self.barrier.wait()
        return super().normalize(event)


@pytest.fixture
def slow(db: None) -> Any:
    adapter = SlowChannel()
    adapters.register(adapter)
    yield adapter
    adapters.unregister(adapter.key)


@pytest.mark.postgres(
    "two workers inside the pipeline's transaction at the same moment: only PostgreSQL lets them overlap "
    "(SQLite takes its write lock when a transaction begins)"
)
def test_one_mail_received_twice_by_two_doors_and_processed_at_once_gives_one_message(slow, caplog) -> None:
    # The same mail fetched by IMAP and pushed by a webhook: two receipts, one Message-ID.
    caplog.set_level(logging.INFO, logger="hub")
    first, second = (
        InboundEvent.objects.create(channel="slow", external_id=door, payload=payload(message_id="<m@x>"))
        for door in ("imap:1", "hook:1")
    )

    outcomes = sorted(r.outcome for r in run_together([lambda: process(first.pk), lambda: process(second.pk)]))

    assert outcomes == ["created", "duplicate"]
    assert Message.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert set(InboundEvent.objects.values_list("state", flat=True)) == {InboundState.PROCESSED}
    assert "lost a race" in caplog.text
