"""Redis goes away while mail comes in: what has committed is accepted, and processed once it is back."""

from __future__ import annotations

import time

import pytest

from tests.fault.feed import mail, post, smtp, stored
from tests.fault.services import Hub, wait_until

pytestmark = pytest.mark.fault


def test_mail_taken_while_redis_is_down_is_accepted_and_processed_once_redis_is_back(hub: Hub) -> None:
    by_webhook = mail("carla@kunde.example", "Ohne Redis (API)", "<no-redis-api@kunde.example>")
    by_smtp = mail("dora@kunde.example", "Ohne Redis (SMTP)", "<no-redis-smtp@kunde.example>")
    hub.stop_redis()
    try:
        webhook_status = post(hub, by_webhook)
        smtp_answer = smtp(hub, by_smtp, "dora@kunde.example")
    finally:
        hub.start_redis()

    assert webhook_status == 202  # was 500: the receipt had committed
    assert smtp_answer[0] == 250  # was 451: the sender would have sent it again
    ids = ["<no-redis-api@kunde.example>", "<no-redis-smtp@kunde.example>"]
    try:
        found = wait_until(lambda: len(stored(hub, ids)) == 2 and stored(hub, ids), "both mails stored", 30)
    except TimeoutError as error:
        raise AssertionError(f"{error}\n{hub.describe()}") from None
    assert all(len(tickets) == 1 for tickets in found.values())
    for process in ("web", "smtp"):
        assert "drain could not be queued" in hub.logs(process)
        # Each process queues the drain it owes at its next retry, up to 30 s apart (the backoff
        # doubles): the other process's drain may have stored both mails before this one's turn.
        wait_until(
            lambda: "Redis answers again: the owed drain of inbound events is queued" in hub.logs(process),  # noqa: B023
            f"{process} queued the drain it owed",
            45,
        )


def test_the_worker_survives_a_redis_restart_while_it_holds_tasks_and_goes_on_with_the_mail(hub: Hub) -> None:
    worker = hub.proc("worker")
    held = "<held-during-restart@kunde.example>"

    def taken() -> int:
        return sum(1 for line in worker.tail(100_000).splitlines() if "] received" in line)

    before = taken()
    hub.pause_pool()  # the worker takes tasks (a drain, the beat's sweeps) but holds them unacked
    try:
        assert post(hub, mail("fritz@kunde.example", "Festgehalten", held)) == 202
        wait_until(lambda: taken() > before, "a task taken and held", 20)
        hub.restart_redis()
    finally:
        hub.resume_pool()
    time.sleep(3)

    assert worker.popen.poll() is None, f"the worker stopped:\n{worker.tail(60)}"
    assert "Unrecoverable error" not in worker.tail(100_000)  # it stopped for good before
    after = "<after-redis-restart@kunde.example>"
    assert post(hub, mail("fritz@kunde.example", "Danach", after)) == 202
    try:
        wait_until(lambda: len(stored(hub, [held, after])) == 2, "both mails stored by the same worker", 30)
    except TimeoutError as error:
        raise AssertionError(f"{error}\n{hub.describe()}") from None
    assert worker.popen.poll() is None
