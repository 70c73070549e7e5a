"""A receipt has committed but Redis does not answer: the mail stands, its drain is owed.

Redis here is a real one that is not there (a closed port on loopback) and then the test run's
own: the receipt's side of ``hub.pipeline.drain`` against both.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches
from kombu.exceptions import OperationalError as BrokerUnreachable

from hub.pipeline import drain

pytestmark = pytest.mark.redis


class Broker:
    """Celery's queue as the drain sees it: a call that queues, refusing while it is ``down``."""

    def __init__(self, *, down: bool = False) -> None:
        self.down = down
        self.sent = 0

    def __call__(self) -> None:
        if self.down:
            raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent += 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nobody listens once the socket is closed


def eventually(check: Callable[[], Any], seconds: float = 5.0) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


@pytest.fixture
def redis_flag(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    assert drain._shared_cache() is not None, "these tests need REDIS_URL (the shared cache)"
    monkeypatch.setattr(drain._owed, "retry_seconds", 0.05)
    caches["default"].delete(drain._flag())
    yield
    eventually(lambda: drain._owed._thread is None)  # the retry thread done before the next test
    caches["default"].delete(drain._flag())


def test_a_receipt_while_redis_is_down_is_answered_and_its_drain_queued_when_redis_is_back(
    redis_flag: None, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    answering = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    broker = Broker()
    caplog.set_level(logging.WARNING, "hub.pipeline.drain")

    drain.kick(broker, eager=False)  # raised ConnectionError into the webhook and SMTP before

    assert broker.sent == 0
    assert "drain could not be queued (ConnectionError" in caplog.text
    time.sleep(0.3)  # retries meanwhile fail quietly
    assert broker.sent == 0
    settings.CACHES = answering
    assert eventually(lambda: broker.sent == 1)
    assert eventually(lambda: "Redis answers again: the owed drain of inbound events is queued" in caplog.text)
    assert caches["default"].get(drain._flag()) is not None  # a drain is pending: receipts queue none


def test_a_broker_that_refuses_the_drain_does_not_fail_the_receipt_and_gets_it_later(
    redis_flag: None, caplog: pytest.LogCaptureFixture
) -> None:
    broker = Broker(down=True)
    caplog.set_level(logging.WARNING, "hub.pipeline.drain")

    drain.kick(broker, eager=False)
    drain.kick(broker, eager=False)  # a second receipt during the outage: still one owed drain

    assert "drain could not be queued (OperationalError" in caplog.text
    assert caplog.text.count("could not be queued") == 1
    broker.down = False
    assert eventually(lambda: broker.sent == 1)
    assert eventually(lambda: drain._owed._thread is None)
    assert broker.sent == 1


def test_with_tasks_run_in_process_a_failing_drain_still_reaches_the_caller() -> None:
    def failing() -> None:
        raise RuntimeError("the drain itself failed")

    with pytest.raises(RuntimeError):
        drain.kick(failing, eager=True)
