"""Connections are pooled per process: PostgreSQL through Django's psycopg pool, Redis per server.

The counts come from the servers themselves: PostgreSQL's ``pg_stat_database.sessions`` (every
session ever opened to the database) and Redis's ``INFO stats`` (every connection received),
on a Redis server of the test's own, so nobody else's connections are counted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.cache import caches
from django.db import connection
from django.test import override_settings

from hub import ratelimit
from hub.tests.test_settings import start

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port} after {timeout:.0f} s")


# -- settings -----------------------------------------------------------------------------------


def test_postgresql_connections_come_from_a_pool_sized_by_the_setting() -> None:
    probe = "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default']; "
    probe += "print(d['OPTIONS']['pool']['max_size'], d['OPTIONS']['pool']['timeout'], d['CONN_MAX_AGE'])"
    env = {"DATABASE_URL": "postgres://hub:pw@db:5432/hub", "DATABASE_POOL_SIZE": "5", "DATABASE_POOL_TIMEOUT": "3"}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "PYTEST_"))} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["5", "3", "0"]  # the pool refuses persistent connections


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("DATABASE_POOL_SIZE", "0", "DATABASE_POOL_SIZE='0' is invalid: it must be a whole number from 1 to 200."),
        ("DATABASE_POOL_SIZE", "lots", "DATABASE_POOL_SIZE='lots' is invalid: it must be a whole number"),
        ("DATABASE_POOL_TIMEOUT", "0.5", "DATABASE_POOL_TIMEOUT='0.5' is invalid: it must be a whole number"),
    ],
)
def test_a_bad_pool_setting_stops_start_up(name: str, value: str, says: str) -> None:
    result = start(**{name: value})

    assert result.returncode != 0
    assert says in result.stderr.strip().splitlines()[-1]


# -- Redis --------------------------------------------------------------------------------------


@pytest.fixture
def private_redis() -> Iterator[str]:
    """A redis-server of this test's own: its connection counter counts nobody else's."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def connections_received(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return int(client.info("stats")["total_connections_received"])
    finally:
        client.close()


def test_200_rate_limited_calls_from_many_requests_open_a_handful_of_redis_connections(private_redis: str) -> None:
    # Under ASGI each request has a cache object of its own (a context of its own): here each
    # call runs in a fresh thread's context, on four threads at once, as four requests do.
    cache = {"default": {"BACKEND": "hub.pools.PooledRedisCache", "LOCATION": private_redis}}
    with override_settings(CACHES=cache):
        caches["default"].get("warm")  # the pool's first connection
        before = connections_received(private_redis)

        def call(n: int) -> bool:
            return ratelimit.allow("test-pool", f"visitor-{n % 7}", limit=1000)

        def in_fresh_context(n: int) -> bool:
            with ThreadPoolExecutor(max_workers=1) as one:
                return one.submit(call, n).result()

        with ThreadPoolExecutor(max_workers=4) as executor:
            allowed = list(executor.map(in_fresh_context, range(200)))
        opened = connections_received(private_redis) - before - 1  # less our own INFO

    assert all(allowed)
    assert opened <= 4  # at most one per thread that ran at once, never one per call


def commands_called(client: Any) -> dict[str, int]:
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in client.info("commandstats").items()}


def test_a_rate_limit_check_is_one_round_trip(private_redis: str) -> None:
    cache = {"default": {"BACKEND": "hub.pools.PooledRedisCache", "LOCATION": private_redis}}
    with override_settings(CACHES=cache):
        import redis

        client = redis.Redis.from_url(private_redis)
        # The script's first use on this server sends its text; every later check only its hash.
        assert ratelimit.allow("test-rtt", "warm", limit=2) is True
        before = commands_called(client)
        assert ratelimit.allow_all([("test-rtt", "x", 2), ("test-rtt-ip", "y", 5)]) is True
        after = commands_called(client)
        assert [ratelimit.allow("test-rtt", "x", limit=2) for _ in range(2)] == [True, False]
        # A restarted (or flushed) Redis has forgotten the script: the check sends it again.
        client.script_flush()
        assert ratelimit.allow("test-rtt", "flushed", limit=2) is True
        client.close()

    called = {name: after.get(name, 0) - before.get(name, 0) for name in before.keys() | after.keys()}
    called.pop("info")  # the INFO that read the counts before
    # Both limits in one EVALSHA; the INCRs and EXPIREs run inside it, not a round trip each.
    assert {name: count for name, count in called.items() if count} == {"evalsha": 1, "incr": 2, "expire": 2}


# -- PostgreSQL under the web tier --------------------------------------------------------------


def sessions_opened(dsn: str, database: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", [database]).fetchone()
    return int(row[0]) if row else 0


def connected(dsn: str, database: str, application: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s"
        row = conn.execute(sql, [database, application]).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.worker
@pytest.mark.postgres(reason="Django's connection pool is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_web_tier_reuses_pooled_connections_across_500_webhook_posts(tmp_path: Path, private_redis: str) -> None:
    from channels_email.models import Mailbox
    from channels_email.settings_actions import do_rotate_inbound_token

    db = connection.settings_dict
    mailbox = Mailbox.objects.create(address="pool@hub.example", name="Pool")
    token = do_rotate_inbound_token(None, mailbox)
    auth = f"{db['USER'] or 'postgres'}:{db['PASSWORD']}" if db["PASSWORD"] else (db["USER"] or "postgres")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    # The web tier's connections carry a name of their own: the test's own are not counted.
    application = f"pool-test-{os.getpid()}"
    url = f"postgres://{auth}@{host}/{db['NAME']}?application_name={application}"
    admin = f"postgresql://{auth}@{host}/postgres"
    pool_size = 3
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": url,
        "DATABASE_POOL_SIZE": str(pool_size),
        # A broker and cache of the test's own: the receipts' drains go to a queue nobody
        # consumes (this test is about the web tier), and Redis counts only its connections.
        "REDIS_URL": private_redis,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        web = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "hub.asgi:application", "--host", "127.0.0.1", "--port", str(port)),
                *("--workers", "2", "--lifespan", "off", "--log-level", "warning"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_port(port, 60)

        def post(n: int) -> int:
            raw = (
                f"From: kunde{n}@example.org\r\nTo: pool@hub.example\r\nSubject: Pool {n}\r\n"
                f"Message-ID: <pool-{os.getpid()}-{n}@example.org>\r\n\r\nHallo {n}\r\n"
            ).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/channels/email/inbound",
                data=raw,
                headers={"Authorization": f"Bearer {token}"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                return int(response.status)

        for n in range(20):  # warm: both workers have opened their pools
            post(n)
        before = sessions_opened(admin, db["NAME"])
        redis_before = connections_received(private_redis)
        peak = 0
        with ThreadPoolExecutor(max_workers=8) as executor:
            for start_at in range(20, 520, 100):
                statuses = list(executor.map(post, range(start_at, start_at + 100)))
                assert set(statuses) == {202}
                peak = max(peak, connected(admin, db["NAME"], application))
        opened = sessions_opened(admin, db["NAME"]) - before
        redis_opened = connections_received(private_redis) - redis_before - 1
    finally:
        os.killpg(web.pid, 15)
        web.wait(timeout=30)

    # Two web processes, each at most pool_size connections, opened once and reused; the
    # sessions counter also counts this test's own probes (one per sample).
    probes = 2 * 5 + 1
    assert opened - probes <= 2 * pool_size, log.read_text()[-3000:]
    assert 0 < peak <= 2 * pool_size
    # The failed-token guard reads Redis on every POST, each receipt sets the drain flag and
    # queues a drain: all of it on each process's few pooled connections (was one per POST).
    assert redis_opened <= 2 * 8, redis_opened


@pytest.mark.worker
@pytest.mark.postgres(reason="Django's connection pool is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_reuses_pooled_connections_across_200_tasks(tmp_path: Path, private_redis: str) -> None:
    from celery import Celery

    db = connection.settings_dict
    auth = f"{db['USER'] or 'postgres'}:{db['PASSWORD']}" if db["PASSWORD"] else (db["USER"] or "postgres")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    admin = f"postgresql://{auth}@{host}/postgres"
    pool_size = 2
    env = os.environ | {
        "DATABASE_URL": f"postgres://{auth}@{host}/{db['NAME']}",
        "DATABASE_POOL_SIZE": str(pool_size),
        "REDIS_URL": private_redis,  # its broker: nobody else's worker takes these tasks
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "hub", "worker", "--pool=prefork", "--concurrency=2"),
                *("--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"),
                *("-n", f"pool-test-{os.getpid()}@%h"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    sender = Celery(broker=private_redis, set_as_current=False)  # the hub's app stays the current one
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text(errors="replace"):
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        for _ in range(10):  # warm: both pool children have opened their pools
            sender.send_task("hub.tasks.sweep_inbound")
        time.sleep(2)
        before = sessions_opened(admin, db["NAME"])
        for _ in range(200):
            sender.send_task("hub.tasks.sweep_inbound")

        def finished() -> int:
            return log.read_text(errors="replace").count("hub.tasks.sweep_inbound[")

        deadline = time.monotonic() + 120
        while finished() < 2 * 210:  # "received" and "succeeded" for each
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        opened = sessions_opened(admin, db["NAME"]) - before
    finally:
        sender.close()
        os.killpg(worker.pid, 15)
        worker.wait(timeout=60)

    # Two pool children, each at most pool_size connections, kept across the tasks (plus this
    # test's own probe); PostgreSQL health checks and all.
    assert opened - 1 <= 2 * pool_size, log.read_text()[-3000:]
