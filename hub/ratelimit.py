"""Fixed-window rate limits in the shared cache (Redis in production), for public entry points."""

from __future__ import annotations

import time

from django.core.cache import cache


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
