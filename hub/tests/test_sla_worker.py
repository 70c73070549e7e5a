"""SLA warnings and breaches under a real Celery worker and two real beats on the real broker:
each fires once, and its escalation rule runs once.

The worker (with a beat of its own) and a second beat are subprocesses pointed at this test run's
database, with the SLA pass every second. The ticket's clock is set to warn and fall due a few
seconds from now, as if most of its target had passed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from hub.actions.sla import do_save_sla_policy
from hub.celery import app
from hub.models import EventKind, RoutingRule, SlaClock, Ticket, TicketEvent
from hub.pipeline import receive
from hub.sla.policies import normalize_policy
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0


def _env() -> dict[str, str]:
    db = connection.settings_dict
    assert connection.vendor == "postgresql", "the worker test needs DATABASE_URL=postgres://…"
    assert settings.REDIS_URL, "the worker test needs REDIS_URL (the real broker)"
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db["PASSWORD"] else user
    return os.environ | {
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "SLA_BEAT_SECONDS": "1",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
def worker_and_beats(tmp_path: Path) -> Iterator[list[tuple[subprocess.Popen[bytes], Path]]]:
    """Started by the test when its data is in place (``start``); stopped at the end."""
    started: list[tuple[subprocess.Popen[bytes], Path]] = []
    yield started
    for process, _log in started:
        process.send_signal(signal.SIGTERM)
    for process, _log in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start(started: list[tuple[subprocess.Popen[bytes], Path]], tmp_path: Path) -> None:
    name = f"sla-{os.getpid()}@%h"
    commands = {
        "worker": ["worker", "--pool=solo", "-B", "-s", str(tmp_path / "beat-a"), "-n", name, "--without-gossip",
                   "--without-mingle", "--without-heartbeat"],
        "beat": ["beat", "-s", str(tmp_path / "beat-b")],
    }  # fmt: skip
    for label, args in commands.items():
        log = tmp_path / f"{label}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "hub", *args, "--loglevel=INFO"],
                cwd=ROOT,
                env=_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append((process, log))


def logs(started: list[tuple[subprocess.Popen[bytes], Path]]) -> str:
    return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for _p, log in started)


def test_a_warning_and_a_breach_fire_once_each_under_a_worker_and_two_beats(
    fake_channel: FakeChannel, worker_and_beats: list[tuple[subprocess.Popen[bytes], Path]], tmp_path: Path
) -> None:
    do_save_sla_policy(
        actor=None, policy=None, values=normalize_policy(name="Standard", targets={"first_response": {"2": 60}})
    )
    RoutingRule.objects.create(
        name="Vorwarnung", triggers=["sla_warning"], actions=[{"type": "add_tags", "value": ["knapp"]}]
    )
    RoutingRule.objects.create(
        name="Eskalation",
        triggers=["sla_breached"],
        actions=[{"type": "set_priority", "value": "urgent"}, {"type": "add_tags", "value": ["eskaliert"]}],
    )
    event, _ = receive("fake", "sla-worker-1", payload(text="Wann kommt mein Paket?"))
    event.refresh_from_db()
    ticket = Ticket.objects.get(pk=event.ticket_id or 0)

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        start(worker_and_beats, tmp_path)
        deadline = time.monotonic() + TIMEOUT
        while "hub.sla.tasks.run_beat" not in logs(worker_and_beats):  # the passes have begun
            if time.monotonic() > deadline or any(p.poll() is not None for p, _ in worker_and_beats):
                pytest.fail(f"no SLA pass within {TIMEOUT:.0f} s:\n{logs(worker_and_beats)}")
            time.sleep(0.3)
        # As if 48 of its 60 minutes had passed: it warns in a moment and falls due shortly after.
        soon = timezone.now() + timedelta(seconds=2)
        SlaClock.objects.filter(ticket=ticket).update(warn_at=soon, due_at=soon + timedelta(seconds=4))
        Ticket.objects.filter(pk=ticket.pk).update(sla_check_at=soon, sla_due_at=soon + timedelta(seconds=4))
        breached = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SLA_BREACHED)
        while not breached.exists():
            if time.monotonic() > deadline or any(p.poll() is not None for p, _ in worker_and_beats):
                pytest.fail(f"no breach within {TIMEOUT:.0f} s:\n{logs(worker_and_beats)}")
            time.sleep(0.3)
        time.sleep(4)  # several more passes from both beats
    finally:
        app.conf.task_always_eager = eager

    kinds = TicketEvent.objects.filter(ticket=ticket, kind__in=[EventKind.SLA_WARNING, EventKind.SLA_BREACHED])
    assert list(kinds.order_by("pk").values_list("kind", flat=True)) == ["sla_warning", "sla_breached"]
    routed = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ROUTED).values_list("data__rule", flat=True)
    assert sorted(r for r in routed if "«" in r) == [
        "rule «Eskalation»: priority urgent; tags +eskaliert",
        "rule «Vorwarnung»: tags +knapp",
    ]
    ticket.refresh_from_db()
    assert ticket.priority == 4 and ticket.sla_state == "breached"
