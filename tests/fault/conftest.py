"""The fault suite's stack: one private PostgreSQL, Redis and hub for the whole session.

Tests here talk to the hub only as its users do (the inbound webhook, SMTP) and read its
database directly; none of them uses the test database of the rest of the suite. A test that
stops a service starts it again before it ends, whatever happens, so the next test finds the
hub whole.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fault.services import Hub, missing, remove, start_hub


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fault: kills and restarts PostgreSQL, Redis and the worker of a private hub stack"
    )


@pytest.fixture(scope="session")
def stack() -> Iterator[Hub]:
    why = missing()
    if why:
        pytest.skip(f"the fault suite needs its own PostgreSQL and Redis: {why}")
    started = start_hub()
    try:
        yield started
    finally:
        remove(started)


@pytest.fixture
def hub(stack: Hub) -> Iterator[Hub]:
    """The stack, checked alive before the test and made whole again after it."""
    hub = stack
    hub.check_alive()
    try:
        yield hub
    finally:
        if not hub.postgres.running():
            hub.postgres.start()
        if not any(p.name.startswith("redis-") for p in hub.servers.procs):
            hub.start_redis()
        if not any(p.name.startswith("worker-") for p in hub.servers.procs):
            hub.start_worker()
        hub.resume_worker()
