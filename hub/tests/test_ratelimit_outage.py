"""Failure limits fail open: with the cache down, sign-ins and webhooks go on, and the log says why."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from hub.ratelimit import FailureLimit

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.mark.redis
def test_a_failure_limit_with_its_cache_down_blocks_nobody_and_logs_it(caplog) -> None:
    limit = FailureLimit("login-test", limit=1, window=60)
    with override_settings(CACHES=DEAD_REDIS), caplog.at_level(logging.WARNING, logger="hub.ratelimit"):
        assert limit.record("anna") == 0
        assert limit.blocked("anna") is False
        limit.clear("anna")

    assert any("the cache is unavailable" in r.getMessage() for r in caplog.records)
