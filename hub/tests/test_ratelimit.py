"""Limits checked together count in order: a hit the narrow limit refuses costs the shared one nothing.

These run on whichever cache the run has: Redis (its script) or the embedded local memory.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from hub.ratelimit import _redis, allow, allow_all


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def test_a_hit_refused_by_the_visitors_own_limit_takes_nothing_from_the_addresss_limit() -> None:
    flooder = [("test-visitor", "flooder", 3), ("test-ip", "203.0.113.7", 5)]
    neighbour = [("test-visitor", "neighbour", 3), ("test-ip", "203.0.113.7", 5)]

    flooding = [allow_all(flooder) for _ in range(20)]

    assert flooding == [True] * 3 + [False] * 17
    # Three of the address's five hits are used: the neighbour still has two.
    assert [allow_all(neighbour) for _ in range(3)] == [True, True, False]


def test_a_hit_refused_by_the_addresss_limit_still_counts_for_the_visitor() -> None:
    assert [allow("test-ip", "203.0.113.8", 2) for _ in range(2)] == [True, True]

    refused = [allow_all([("test-visitor", "v", 3), ("test-ip", "203.0.113.8", 2)]) for _ in range(3)]

    assert refused == [False, False, False]
    assert allow("test-visitor", "v", 4) is True  # its fourth hit: the three refused ones counted
    assert allow("test-visitor", "v", 4) is False


def test_a_limit_of_zero_or_less_is_no_limit_and_is_not_counted() -> None:
    assert all(allow_all([("test-off", "x", 0), ("test-on", "x", 2)]) for _ in range(2))
    assert allow_all([("test-off", "x", 0), ("test-on", "x", 2)]) is False


@pytest.mark.redis
def test_with_redis_the_counters_end_with_their_window() -> None:
    backend = _redis()
    assert backend is not None, "the redis tests run with REDIS_URL set"
    assert allow_all([("test-ttl-visitor", "v", 3), ("test-ttl-ip", "203.0.113.9", 5)], window=30)

    client = backend._cache.get_client(write=True)
    keys = [k for k in client.keys(backend.make_and_validate_key("rl:test-ttl-*"))]
    ttls = [client.ttl(k) for k in keys]

    assert len(keys) == 2
    assert all(0 < ttl <= 31 for ttl in ttls), ttls
