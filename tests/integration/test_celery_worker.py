"""The pipeline through a real Celery worker process on the real Redis broker and PostgreSQL.

The worker is started as a subprocess pointed at this test run's database (``test_<name>``),
with eager execution off, and the fake provider channel loaded through ``-I``. The data is
committed (transactional test) so the worker sees it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from hub.actions import do_reply
from hub.celery import app
from hub.models import Agent, DeliveryStatus, InboundEvent, InboundState, Message
from hub.pipeline import receive
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0
Worker = tuple[subprocess.Popen[bytes], Path]


def wait_for(check: Callable[[], Any], what: str, worker: subprocess.Popen[bytes], log: Path) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode} before {what}:\n{log.read_text()[-4000:]}")
        time.sleep(0.2)
    pytest.fail(f"no {what} within {TIMEOUT:.0f} s; worker log:\n{log.read_text()[-4000:]}")


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Worker]:
    db = connection.settings_dict
    assert connection.vendor == "postgresql", "the worker test needs DATABASE_URL=postgres://…"
    assert settings.REDIS_URL, "the worker test needs REDIS_URL (the real broker)"
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db["PASSWORD"] else user
    env = os.environ | {
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hub",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-I",
                "hub.tests.worker_channel",
                "-n",
                f"test-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    eager = app.conf.task_always_eager
    # This process sends to the broker instead of running tasks in-process.
    app.conf.task_always_eager = False
    try:
        yield process, log
    finally:
        app.conf.task_always_eager = eager
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_an_interaction_received_here_is_processed_by_the_worker(worker: Worker) -> None:
    process, log = worker

    event, created = receive("fake", "worker-1", payload(email="Kunde@Beispiel.de", text="Über den Broker"))

    assert created
    message = wait_for(
        lambda: Message.objects.filter(inbound_event_id=event.pk).first(), "message from the worker", process, log
    )
    assert message.text == "Über den Broker"
    event.refresh_from_db()
    assert event.state == InboundState.PROCESSED and event.outcome == "created"
    assert message.ticket.customer.identities.get().value == "kunde@beispiel.de"
    assert f"inbound event {event.pk} processed: created" in log.read_text()


def test_a_reply_is_delivered_by_the_worker(worker: Worker, agent: Agent, fake_channel: FakeChannel) -> None:
    # The same channel here (do_reply asks it whether a reply is possible) and in the worker.
    process, log = worker
    event, _ = receive("fake", "worker-2", payload(text="Bitte antworten"))
    inbound = wait_for(
        lambda: Message.objects.filter(inbound_event_id=event.pk).first(), "inbound message", process, log
    )

    reply = do_reply(inbound.ticket, agent=agent, text="Gern!")

    def sent() -> Message | None:
        return Message.objects.filter(pk=reply.pk, delivery_status=DeliveryStatus.SENT).first()

    delivered = wait_for(sent, "delivered reply", process, log)
    assert delivered.external_id == f"fake-out-{reply.pk}"
    assert InboundEvent.objects.get(pk=event.pk).state == InboundState.PROCESSED


def test_a_burst_of_interactions_is_drained_by_the_worker_with_none_left_behind(worker: Worker) -> None:
    process, log = worker

    ids = [
        receive("fake", f"burst-{n}", payload(email=f"kunde{n % 7}@example.de", text=f"Nachricht {n}"))[0].pk
        for n in range(150)
    ]

    def all_processed() -> bool:
        return InboundEvent.objects.filter(pk__in=ids, state=InboundState.PROCESSED).count() == len(ids)

    wait_for(all_processed, "all 150 interactions processed", process, log)
    assert Message.objects.filter(inbound_event_id__in=ids).count() == len(ids)
    # Receipts that find a drain pending queue none: a handful of tasks, not one per event.
    drains = sum(
        1 for line in log.read_text().splitlines() if "Task hub.tasks.drain_inbound[" in line and "received" in line
    )
    assert 1 <= drains < len(ids) / 2
