"""PostgreSQL refusing connections under a running hub: the front doors say "later", never 500."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.fault.feed import hand_over, mail, stored
from tests.fault.services import Hub, wait_until

pytestmark = pytest.mark.fault


def answer(hub: Hub, raw: bytes) -> tuple[int, str]:
    """The webhook's status and Retry-After for one attempt."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{hub.web_port}/api/v1/channels/email/inbound",
        data=raw,
        headers={"Authorization": f"Bearer {hub.mailbox_token}", "Content-Type": "message/rfc822"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return int(response.status), response.headers.get("Retry-After", "")
    except urllib.error.HTTPError as error:
        return int(error.code), error.headers.get("Retry-After", "")


def test_the_webhook_answers_503_with_retry_after_while_postgresql_is_down_and_takes_the_mail_once_after(
    hub: Hub,
) -> None:
    raw = mail("olga@kunde.example", "Während des Ausfalls", "<pg-down-webhook@kunde.example>")
    hub.postgres.stop()
    try:
        status, retry_after = answer(hub, raw)
    finally:
        hub.postgres.start()

    assert status == 503  # was 500: the pool's wait ends in "try again later"
    assert int(retry_after) > 0
    hand_over(hub, raw, "", "webhook", timeout=60)  # the provider's retry
    found = wait_until(lambda: stored(hub, ["<pg-down-webhook@kunde.example>"]).get("<pg-down-webhook@kunde.example>"),
                       "the mail stored", 30)  # fmt: skip
    assert len(found) == 1
