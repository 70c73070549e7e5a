"""Each pytest-xdist worker talks to a Redis database of its own.

The PostgreSQL suite runs on two workers. PostgreSQL gives each its own test database
(pytest-django); Redis is shared unless told otherwise, and the hub's groups are shared by name
(``tickets.all``, a team's feed): a test listening on one worker heard the other worker's
events, and a rate limit counted both workers' requests. So ``REDIS_URL``'s database number is
moved up by one plus the worker's number (``/0`` becomes ``/1`` on gw0, ``/2`` on gw1) before
Django reads its settings. The channel layer's prefix follows the number (``hub.settings``).
Without xdist, or without Redis (the embedded run), nothing changes.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from urllib.parse import urlsplit, urlunsplit

import pytest

DATABASES = 16  # Redis's default number of databases


def worker_url(url: str, worker: str) -> str:
    """``url`` with its database number moved for xdist worker ``worker`` ("gw0", "gw1", …)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = (base + 1 + int(worker.removeprefix("gw"))) % DATABASES
    return urlunsplit(parts._replace(path=f"/{number}"))


# A wrapper runs before every plugin's own hook, pytest-django's included, which imports the
# settings that read REDIS_URL.
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if worker.startswith("gw") and url:
        os.environ["REDIS_URL"] = worker_url(url, worker)
    return (yield)
