"""A worker child that grew past the memory limit is replaced by a fresh one; the limit is a setting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from hub.celery import app
from hub.tests.test_settings import error_of, start

ROOT = Path(__file__).resolve().parents[2]
SHOW_LIMIT = "from hub.celery import app; print('LIMIT', app.conf.worker_max_memory_per_child)"


def test_the_memory_limit_per_worker_child_reaches_celery() -> None:
    assert settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD == 400_000
    assert app.conf.worker_max_memory_per_child == 400_000


def _limit_in_a_new_process(**env: str) -> subprocess.CompletedProcess[str]:
    base = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        "DEBUG": "true",
        "DATABASE_URL": "sqlite:///" + str(ROOT / "var" / "settings-test.sqlite3"),
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW_LIMIT}"],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_memory_limit_is_taken_from_the_environment_in_kb() -> None:
    result = _limit_in_a_new_process(CELERY_WORKER_MAX_MEMORY_PER_CHILD_KB="250000")

    assert result.returncode == 0, result.stderr
    assert "LIMIT 250000" in result.stdout


def test_a_bad_memory_limit_stops_start_up_naming_the_variable() -> None:
    last = error_of(start(CELERY_WORKER_MAX_MEMORY_PER_CHILD_KB="400MB"))

    assert "CELERY_WORKER_MAX_MEMORY_PER_CHILD_KB='400MB' is invalid: it must be a whole number" in last


# A real prefork worker with one child: generous enough for a freshly started child of the hub,
# small enough that the test's task passes it with some 20 MB more.
LIMIT_KB = 300_000
TIMEOUT = 60.0


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    assert settings.REDIS_URL, "the worker test needs REDIS_URL (the real broker)"
    queue = f"memory-test-{os.getpid()}"
    log = tmp_path / "worker.log"
    env = os.environ | {
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_WORKER_MAX_MEMORY_PER_CHILD_KB": str(LIMIT_KB),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "hub", "worker", "--pool=prefork", "--concurrency=1",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-Q", queue, "-I", "hub.tests.worker_memory", "-n", f"{queue}@%h"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # this process sends to the broker
    try:
        yield queue, log
    finally:
        app.conf.task_always_eager = eager
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _lines(path: Path, count: int, log: Path) -> list[list[str]]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return [line.split() for line in lines]
        time.sleep(0.2)
    pytest.fail(f"{count} task reports did not come within {TIMEOUT:.0f} s; worker log:\n{log.read_text()[-4000:]}")


@pytest.mark.worker
def test_a_worker_child_that_grew_past_the_limit_is_replaced_and_one_that_did_not_is_kept(
    worker: tuple[str, Path], tmp_path: Path
) -> None:
    queue, log = worker
    reports = str(tmp_path / "reports.txt")

    def send(name: str, *args: object) -> None:
        app.send_task(f"hub.tests.worker_memory.{name}", args=[reports, *args], queue=queue)

    send("report")
    send("report")
    first, second = _lines(Path(reports), 2, log)
    print("a fresh child's peak:", first[2], "KB")
    assert int(first[2]) < LIMIT_KB, f"a fresh worker child already takes {first[2]} KB"
    assert second[1] == first[1]  # under the limit: the same child goes on

    send("grow", LIMIT_KB)
    send("report")
    _first, _second, grown, after = _lines(Path(reports), 4, log)

    assert grown[0] == "grew" and grown[1] == first[1] and int(grown[2]) > LIMIT_KB
    assert after[1] != grown[1]  # a fresh child
    assert int(after[2]) < LIMIT_KB
