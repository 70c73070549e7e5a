"""``ingest_email`` with a broker: files go through the pipeline's batches, lines come in order."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from hub.celery import app as celery_app
from hub.models import InboundEvent, InboundState, Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker_mode() -> Iterator[None]:
    """Tasks go to the broker as in production (nobody consumes them here): the command alone
    must get every file processed."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager


def write(folder: Path, name: str, sender: str, subject: str, mid: str, extra: str = "") -> str:
    path = folder / name
    path.write_bytes(
        (
            f"From: {sender}\r\nTo: support@hub.example\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n{extra}"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n"
        ).encode()
    )
    return str(path)


def test_files_beyond_one_batch_are_processed_and_printed_once_each_in_the_order_given(
    tmp_path: Path, broker_mode: None
) -> None:
    files = [
        write(tmp_path, f"{n:03}.eml", f"kunde{n}@example.de", f"Frage {n}", f"<q{n}@example.de>") for n in range(120)
    ]
    files.append(write(tmp_path, "reply.eml", "kunde0@example.de", "Re: Frage 0", "<r0@example.de>",
                       "In-Reply-To: <q0@example.de>\r\n"))  # fmt: skip
    files.append(files[5])  # the same file again
    files.append(str(tmp_path / "missing.eml"))
    out = io.StringIO()

    call_command("ingest_email", *files, stdout=out)

    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["file"] for row in rows] == files
    assert [row["status"] for row in rows[:120]] == ["created"] * 120
    assert rows[120]["status"] == "appended" and rows[120]["ticket"] == rows[0]["ticket"]
    assert rows[121]["status"] == "duplicate" and rows[121]["ticket"] == rows[5]["ticket"]
    assert rows[122]["status"] == "quarantined" and "cannot read the file" in rows[122]["reason"]
    assert rows[7]["from"] == "kunde7@example.de" and rows[7]["subject"] == "Frage 7"
    assert not InboundEvent.objects.exclude(state=InboundState.PROCESSED).exists()
    assert Ticket.objects.count() == 120
    assert Message.objects.count() == 121
