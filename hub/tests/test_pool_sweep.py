"""After a PostgreSQL restart a pool holds only dead connections; the first one handed out must
work without the pool checking the dead ones one by one with doubling pauses."""

from __future__ import annotations

import os
import secrets
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from hub.postgresql.base import _sweeping

pytestmark = pytest.mark.postgres(reason="a real psycopg pool against the PostgreSQL server")


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.fail("DATABASE_URL must name the PostgreSQL server for this test")
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def first_wait_after_a_restart(*, sweep: bool) -> float:
    """Seconds the pool takes to hand out a working connection once all of its own have died."""
    url = _server_url()
    name = f"hub-sweep-test-{secrets.token_hex(4)}"
    pool = ConnectionPool(
        url,
        min_size=4,
        max_size=4,
        timeout=10,
        check=ConnectionPool.check_connection,
        kwargs={"application_name": name},
        open=False,
    )
    if sweep:
        _sweeping(pool)
    pool.open(wait=True)
    try:
        # What a PostgreSQL restart does to the pool's idle connections.
        with psycopg.connect(url, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s", [name]
            ).fetchone()
        assert ended == (4,)
        time.sleep(0.2)

        started = time.monotonic()
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        return time.monotonic() - started
    finally:
        pool.close()


def test_a_pool_whose_connections_all_died_hands_out_a_live_one_without_waiting() -> None:
    # Checked one by one (psycopg_pool alone), the dead connections cost pauses of 1, 2, 4 s.
    assert first_wait_after_a_restart(sweep=True) < 1.0


def test_a_live_idle_connection_is_handed_out_without_a_round_trip_and_a_dead_one_is_still_caught() -> None:
    url = _server_url()
    name = f"hub-quiet-test-{secrets.token_hex(4)}"
    checks: list[int] = []

    def counted(conn: psycopg.Connection[object]) -> None:
        checks.append(1)
        ConnectionPool.check_connection(conn)

    pool = ConnectionPool(
        url, min_size=1, max_size=1, timeout=10, check=counted, kwargs={"application_name": name}, open=False
    )
    _sweeping(pool)
    pool.open(wait=True)
    try:
        for _ in range(3):
            with pool.connection() as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
        assert checks == []  # nothing was waiting on the socket: no empty query first

        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", [name])
        time.sleep(0.2)
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert checks  # the ended connection was checked, found dead and replaced
    finally:
        pool.close()
