"""Parallel test workers never share a Redis database: events and rate limits stay their own."""

from __future__ import annotations

from hub.tests.redis_per_worker import worker_url


def test_each_worker_gets_the_next_databases_after_the_configured_one() -> None:
    assert worker_url("redis://127.0.0.1:6379/0", "gw0") == "redis://127.0.0.1:6379/1"
    assert worker_url("redis://127.0.0.1:6379/0", "gw1") == "redis://127.0.0.1:6379/2"
    assert worker_url("redis://127.0.0.1:6379", "gw0") == "redis://127.0.0.1:6379/1"


def test_a_password_and_host_stay_and_the_number_wraps_within_redis_databases() -> None:
    assert worker_url("redis://:geheim@cache:6380/15", "gw0") == "redis://:geheim@cache:6380/0"
