"""Fixed-window rate limits in the shared cache (Redis in production), for public entry points.

Each check is one round trip on the process's pooled Redis connection (``hub.pools``). Limits
by client address take ``hub.net.rate_key`` of it (an IPv6 client's /64), never the raw address.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import NoScriptError

log = logging.getLogger(__name__)

# Counts the hit in each key (KEYS, in order) up to the first whose count passed its limit
# (ARGV[2..]), each key living ARGV[1] seconds: a hit refused by one limit is not counted by the
# limits after it. One script is atomic, so concurrent processes never see half of it.
_COUNT_IN_ORDER = """
local counts = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[1]) end
  counts[i] = count
  if count > tonumber(ARGV[i + 1]) then break end
end
return counts
"""
_COUNT_IN_ORDER_SHA = hashlib.sha1(_COUNT_IN_ORDER.encode(), usedforsecurity=False).hexdigest()


def allow(scope: str, key: str, limit: int, window: int = 60) -> bool:
    """Count one hit of ``key`` in ``scope``; False once ``limit`` hits fell into this window.

    One round trip with Redis (``allow_all`` of one limit), on the process's pooled connection
    (``hub.pools``), so concurrent processes count into the same key without a race.
    """
    if limit <= 0:
        return True
    return allow_all([(scope, key, limit)], window)


def _redis() -> RedisCache | None:
    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


def _count(name: str, window: int) -> int:
    """Add one to the counter ``name`` that lives ``window`` seconds; the count, without Redis.

    The window's key is created with its expiry by ``add`` (a no-op when it exists).
    """
    cache.add(name, 0, timeout=window + 1)
    try:
        return int(cache.incr(name))
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window + 1)
        return 1


def _incr_all(backend: RedisCache, names: Sequence[str], window: int) -> list[int]:
    keys = [backend.make_and_validate_key(name) for name in names]
    # Django's RedisCache has no pipeline of its own; its client is the redis-py one.
    pipe = backend._cache.get_client(keys[0], write=True).pipeline(transaction=False)
    for key in keys:
        pipe.incr(key)
        pipe.expire(key, window + 1)
    return [int(count) for count in pipe.execute()[0::2]]


def _count_in_order(backend: RedisCache, names: Sequence[str], limits: Sequence[int], window: int) -> list[int]:
    """``_COUNT_IN_ORDER`` in one round trip (EVALSHA; the script's text once per Redis start)."""
    keys = [backend.make_and_validate_key(name) for name in names]
    client = backend._cache.get_client(keys[0], write=True)
    args = [window + 1, *limits]
    try:
        counts = client.evalsha(_COUNT_IN_ORDER_SHA, len(keys), *keys, *args)
    except NoScriptError:  # a Redis that has not seen the script yet (started, restarted, flushed)
        counts = client.eval(_COUNT_IN_ORDER, len(keys), *keys, *args)
    return [int(count) for count in counts]


def allow_all(limits: Sequence[tuple[str, str, int]], window: int = 60) -> bool:
    """``allow`` for each (scope, key, limit) in order: True if all allow.

    A hit refused by one limit is not counted by the limits after it. Put the narrow limit (a
    visitor) before the shared one (everyone behind the visitor's address): a visitor who floods
    is stopped by their own limit and leaves the shared budget to the others, who would otherwise
    be refused until the window ends. A hit refused by a later limit still counts in the earlier
    ones (it was an attempt of that visitor).

    With Redis, one round trip for all of them (a script: INCR, and EXPIRE on a window's first
    hit) instead of two per limit: the chat checks two limits on every message. The keys and
    counts are ``allow``'s.
    """
    limits = [(scope, key, limit) for scope, key, limit in limits if limit > 0]
    if not limits:
        return True
    bucket = int(time.time() // window)
    names = [f"rl:{scope}:{key}:{bucket}" for scope, key, _limit in limits]
    ceilings = [limit for _scope, _key, limit in limits]
    backend = _redis()
    if backend is not None:
        counts = _count_in_order(backend, names, ceilings, window)
    else:
        counts = []
        for name, limit in zip(names, ceilings, strict=True):
            counts.append(_count(name, window))
            if counts[-1] > limit:
                break
    # Fewer counts than limits: counting stopped at a limit that refused the hit.
    return len(counts) == len(limits) and all(count <= limit for count, limit in zip(counts, ceilings, strict=True))


@dataclass(frozen=True)
class FailureLimit:
    """At most ``limit`` failures per key in a fixed window of ``window`` seconds.

    Only failures count (a wrong password, a wrong token), recorded after they happened; a
    success costs nothing, so people who sign in correctly are never blocked by it, however
    many share an address. Checked before each attempt: a blocked key is not even tried.
    """

    scope: str
    limit: int
    window: int

    def _name(self, key: str) -> str:
        return f"rl:{self.scope}:{key}:{int(time.time() // self.window)}"

    # Failure limits fail open: while the cache (Redis) is down, a webhook's mail and an agent's
    # sign-in must still go through; the outage is logged, not turned into a 500.

    def blocked(self, key: str) -> bool:
        try:
            return self.limit > 0 and int(cache.get(self._name(key)) or 0) >= self.limit
        except Exception:  # any cache failure: not blocked, and say so
            log.warning("failure limit %s not checked: the cache is unavailable", self.scope, exc_info=True)
            return False

    def record(self, key: str) -> int:
        """Count one failure of ``key``; the failures so far in this window (one round trip)."""
        name = self._name(key)
        try:
            backend = _redis()
            if backend is None:
                return _count(name, self.window)
            return _incr_all(backend, [name], self.window)[0]
        except Exception:  # any cache failure: uncounted, and say so
            log.warning("failure of %s not counted: the cache is unavailable", self.scope, exc_info=True)
            return 0

    def clear(self, key: str) -> None:
        try:
            cache.delete(self._name(key))
        except Exception:  # nothing to clear without the cache
            log.warning("failures of %s not cleared: the cache is unavailable", self.scope, exc_info=True)

    def retry_after(self) -> int:
        """Seconds until the current window ends."""
        return self.window - int(time.time()) % self.window
