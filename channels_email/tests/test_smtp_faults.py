"""The inbound SMTP server when something inside it fails: a temporary 451, never the error's text."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import socket
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import OperationalError

from channels_email.smtp import InboundHandler, controller


def run(coroutine: Coroutine[Any, Any, str]) -> str:
    """The handler's answer, from a loop of its own on another thread: whatever an earlier test
    left running on this one, the SMTP server runs its handler on a thread of its own too."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BrokenMailboxes(InboundHandler):
    """The handler of a server whose database fails as PostgreSQL's does when it is restarting."""

    async def handle_RCPT(self, *args: object) -> str:
        raise OperationalError("terminating connection due to administrator command\nSSL SYSCALL error: EOF detected")


def test_an_unforeseen_failure_in_a_session_is_a_temporary_451_with_a_fixed_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused\n\tIs the')
    caplog.set_level(logging.ERROR, "channels_email.smtp")

    answer = run(InboundHandler().handle_exception(error))

    assert answer == "451 4.3.0 Temporary failure, please retry"
    assert "OperationalError" in caplog.text and "Connection refused" in caplog.text  # the log has it all


def test_a_database_failure_at_rcpt_is_answered_451_over_a_socket_and_the_session_goes_on() -> None:
    port = free_port()
    server = controller("127.0.0.1", port)
    server.handler = BrokenMailboxes()
    server.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo()
            client.mail("max@kunde.de")
            code, text = client.rcpt("support@hub.example")
            assert (code, text) == (451, b"4.3.0 Temporary failure, please retry")
            assert client.noop()[0] == 250  # the exchange is intact: no stray line from the error
    finally:
        server.stop()


def test_the_mailbox_lookup_failing_at_rcpt_is_answered_451(caplog: pytest.LogCaptureFixture) -> None:
    handler = InboundHandler()
    envelope = SimpleNamespace(rcpt_tos=[])
    caplog.set_level(logging.ERROR, "channels_email.smtp")

    # No database access is allowed in this test (no django_db mark): the lookup raises, as it
    # does with PostgreSQL down.
    answer = run(handler.handle_RCPT(None, None, envelope, "support@hub.example", []))

    assert answer == "451 4.3.0 Temporary failure, please retry"
    assert envelope.rcpt_tos == []
    assert "looking up the mailbox" in caplog.text
