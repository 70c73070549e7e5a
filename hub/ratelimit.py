"""Fixed-window rate limits in the shared cache (Redis in production), for public entry points."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache


def allow(scope: str, key: str, limit: int, window: int = 60) -> bool:
    """Count one hit of ``key`` in ``scope``; False once ``limit`` hits fell into this window.

    One INCR per hit: the window's key is created with its expiry by ``add`` (a no-op when it
    exists), so concurrent processes count into the same key without a race.
    """
    if limit <= 0:
        return True
    bucket = int(time.time() // window)
    name = f"rl:{scope}:{key}:{bucket}"
    cache.add(name, 0, timeout=window + 1)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window + 1)
        count = 1
    return count <= limit


def allow_all(limits: Sequence[tuple[str, str, int]], window: int = 60) -> bool:
    """``allow`` for each (scope, key, limit), counting a hit in every one: True if all allow.

    With Redis, one round trip for all of them (INCR and EXPIRE each, pipelined) instead of two
    per limit: the chat checks two limits on every message. The keys and counts are ``allow``'s.
    """
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return all([allow(scope, key, limit, window) for scope, key, limit in limits])
    bucket = int(time.time() // window)
    keys = [backend.make_and_validate_key(f"rl:{scope}:{key}:{bucket}") for scope, key, _limit in limits]
    # Django's RedisCache has no pipeline of its own; its client is the redis-py one.
    pipe = backend._cache.get_client(keys[0], write=True).pipeline(transaction=False)
    for name in keys:
        pipe.incr(name)
        pipe.expire(name, window + 1)
    counts = pipe.execute()[0::2]
    return all(limit <= 0 or count <= limit for count, (_scope, _key, limit) in zip(counts, limits, strict=True))


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

    def blocked(self, key: str) -> bool:
        return self.limit > 0 and int(cache.get(self._name(key)) or 0) >= self.limit

    def record(self, key: str) -> int:
        """Count one failure of ``key``; the failures so far in this window."""
        name = self._name(key)
        cache.add(name, 0, timeout=self.window + 1)
        try:
            return int(cache.incr(name))
        except ValueError:  # expired between add and incr
            cache.add(name, 1, timeout=self.window + 1)
            return 1

    def clear(self, key: str) -> None:
        cache.delete(self._name(key))

    def retry_after(self) -> int:
        """Seconds until the current window ends."""
        return self.window - int(time.time()) % self.window
