"""The embedded hub (``manage.py runhub``) fetches IMAP mail on its own.

``runhub`` is started as a real process on this test run's database, with the embedded
defaults (no Redis: tasks run in-process, so its own scheduler thread runs the periodic tasks)
and a short poll interval. The mailbox and the IMAP server's mail are committed before it
starts; nothing in this process polls.
"""

from __future__ import annotations

import imaplib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from channels_email.models import Mailbox, Security
from channels_email.tests.conftest import IMAP_PASSWORD, IMAP_USER, free_port
from hub.models import Message, Team

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60.0


def database_url() -> str:
    """This test run's database, as a URL another process can open."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        assert "memory" not in name, "runhub needs the test database in a file"
        return f"sqlite:///{name}"
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db["PASSWORD"] else user
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def runhub(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "REDIS_URL": "",  # the embedded default: tasks in-process, no beat
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "EMAIL_IMAP_POLL_SECONDS": "5",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "runhub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runhub", "--host", "127.0.0.1", "--port", str(free_port())],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, log
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_mail_in_an_imap_mailbox_becomes_a_ticket_under_runhub(imap_server: int, team: Team, runhub) -> None:
    Mailbox.objects.create(
        address="support@hub.example",
        default_team=team,
        imap_host="127.0.0.1",
        imap_port=imap_server,
        imap_security=Security.NONE,
        imap_user=IMAP_USER,
        imap_password=IMAP_PASSWORD,
        imap_folder="INBOX",
    )
    client = imaplib.IMAP4("127.0.0.1", imap_server)
    client.login(IMAP_USER, IMAP_PASSWORD)
    client.append(
        "INBOX",
        None,
        None,
        b"From: Max Kunde <max@kunde.de>\r\nTo: support@hub.example\r\nSubject: Per IMAP unter runhub\r\n"
        b"Message-ID: <runhub-1@kunde.de>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n",
    )
    client.logout()
    process, log = runhub

    deadline = time.monotonic() + TIMEOUT
    message = None
    while message is None and time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"runhub exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        message = Message.objects.select_related("ticket").filter(external_id="<runhub-1@kunde.de>").first()
        time.sleep(0.2)

    assert message is not None, f"no mail fetched within {TIMEOUT:.0f} s; runhub log:\n{log.read_text()[-4000:]}"
    assert message.ticket.subject == "Per IMAP unter runhub"
    assert message.ticket.team_id == team.pk
    assert "NotRegistered" not in log.read_text()
