"""PostgreSQL restarts under a running hub: the web tier and the worker heal by themselves."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fault.feed import hand_over, mail, post, smtp, stored
from tests.fault.services import Hub, wait_until

pytestmark = pytest.mark.fault


def stored_once(hub: Hub, message_id: str, timeout: float) -> int:
    def found() -> int | None:
        tickets = stored(hub, [message_id]).get(message_id, [])
        assert len(tickets) <= 1, f"{message_id} stored {len(tickets)} times"
        return tickets[0] if tickets else None

    try:
        return int(wait_until(found, f"message {message_id}", timeout))
    except TimeoutError as error:
        raise AssertionError(f"{error}\n{hub.describe()}") from None


def test_mail_after_a_postgresql_restart_is_accepted_and_stored_within_seconds(hub: Hub) -> None:
    before = mail("anna@kunde.example", "Vor dem Neustart", "<before-restart@kunde.example>")
    hand_over(hub, before, "anna@kunde.example", "webhook")
    stored_once(hub, "<before-restart@kunde.example>", 20)

    hub.postgres.restart()
    after = mail("anna@kunde.example", "Nach dem Neustart", "<after-restart@kunde.example>")

    status = post(hub, after)  # the web tier's first request after the restart
    assert status == 202, f"the first request after the restart answered {status}\n{hub.describe()}"
    started = time.monotonic()
    stored_once(hub, "<after-restart@kunde.example>", 15)
    assert time.monotonic() - started < 15
    assert "the connection is closed" not in hub.logs("worker")


def test_a_drain_that_meets_postgresql_down_is_retried_once_it_is_back(hub: Hub) -> None:
    hub.pause_worker()
    try:
        hand_over(hub, mail("ben@kunde.example", "Während der Wartung", "<maintenance@kunde.example>"), "", "webhook")
        hub.postgres.stop()
    finally:
        hub.resume_worker()
    try:
        wait_until(lambda: "Retry in" in hub.logs("worker"), "retry of the failed drain", 20)
    finally:
        hub.postgres.start()

    stored_once(hub, "<maintenance@kunde.example>", 30)


def test_smtp_while_postgresql_is_down_answers_a_temporary_451_and_takes_the_mail_when_it_is_back(
    hub: Hub,
) -> None:
    raw = mail("emil@kunde.example", "Während des Ausfalls", "<pg-down-smtp@kunde.example>")
    hub.postgres.stop()
    try:
        answer = smtp(hub, raw, "emil@kunde.example")
    finally:
        hub.postgres.start()

    assert answer == (451, "4.3.0 Temporary failure, please retry")  # was 500 with the database's text
    assert hand_over(hub, raw, "emil@kunde.example", "smtp", timeout=30) <= 3  # the sender's retry
    stored_once(hub, "<pg-down-smtp@kunde.example>", 20)
    assert "Connection refused" in hub.logs("smtp")  # the cause, for the operator


def test_the_first_mail_after_a_restart_is_accepted_even_when_the_pool_held_many_connections(hub: Hub) -> None:
    # A burst leaves the web process's pool with several idle connections, and a restart ends
    # them all: the pool must not spend its whole wait checking dead ones one by one.
    burst = [mail("carla@kunde.example", f"Ansturm {n}", f"<burst-{n}@kunde.example>") for n in range(16)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(lambda raw: post(hub, raw), burst)) == {202}

    hub.postgres.restart()
    after = mail("carla@kunde.example", "Nach dem Ansturm", "<after-burst@kunde.example>")

    status = post(hub, after)
    assert status == 202, f"the first request after the restart answered {status}\n{hub.describe()}"
    stored_once(hub, "<after-burst@kunde.example>", 15)
