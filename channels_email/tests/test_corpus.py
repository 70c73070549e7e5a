"""The project's own corpus: every file through ``ingest_email`` in order, against expected.json.

Order matters like in a real mailbox: replies come after the mails they answer, re-fetches
after the first delivery.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from hub.models import Attachment, Identity, InboundEvent, InboundState, Message, TicketEvent

DATA = Path(__file__).parent / "data"
EXPECTED: dict[str, dict] = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.django_db(transaction=True)


def ingest_corpus() -> dict[str, dict]:
    out = io.StringIO()
    files = [str(DATA / name) for name in sorted(EXPECTED)]
    call_command("ingest_email", *files, stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    return {Path(row["file"]).name: row for row in rows}


def test_the_corpus_holds_at_least_sixty_mails_each_with_its_expected_result() -> None:
    files = {p.name for p in DATA.glob("*.eml")}
    assert len(files) >= 60
    assert files == set(EXPECTED)


def test_every_corpus_mail_gives_its_expected_status_sender_subject_and_attachments() -> None:
    rows = ingest_corpus()

    assert list(rows) == sorted(EXPECTED)
    for name, expected in EXPECTED.items():
        row = rows[name]
        assert set(row) == {"file", "status", "ticket", "from", "subject", "attachments", "reason"}
        got = {k: row[k] for k in ("status", "from", "subject", "attachments")}
        want = {k: expected[k] for k in ("status", "from", "subject", "attachments")}
        assert got == want, f"{name}: {row['reason']}"
        if expected["status"] == "quarantined":
            assert row["ticket"] is None and row["reason"], name
        else:
            assert isinstance(row["ticket"], int), name
        for other in [expected.get("same_ticket_as")]:
            if other:
                assert row["ticket"] == rows[other]["ticket"], f"{name} should thread into {other}"
        if expected.get("not_same_ticket_as"):
            assert row["ticket"] != rows[expected["not_same_ticket_as"]]["ticket"], name
        if expected.get("linked_to"):
            linked = TicketEvent.objects.filter(ticket_id=row["ticket"] or 0, kind="linked").get()
            assert linked.data["linked_ticket_id"] == rows[expected["linked_to"]]["ticket"]


def test_the_stored_messages_show_new_text_quoted_history_safe_html_files_and_bounces() -> None:
    Identity.objects.create(customer=_customer(), kind="email", value="weg@kunde.de")
    Identity.objects.create(customer=_customer(), kind="email", value="langsam@kunde.de")

    rows = ingest_corpus()

    for name, expected in EXPECTED.items():
        if expected["status"] in ("quarantined", "duplicate"):
            continue
        msg = _by_file(list(Message.objects.filter(ticket_id=rows[name]["ticket"])), name)
        if "text_contains" in expected:
            assert expected["text_contains"] in msg.text, name
        if "text_not_contains" in expected:
            assert expected["text_not_contains"] not in msg.text, name
        if "quoted_contains" in expected:
            assert expected["quoted_contains"] in msg.quoted_text, name
        for needle in expected.get("html_not_contains", []):
            assert needle not in msg.html, f"{name}: {needle}"
        for needle in expected.get("html_contains", []):
            assert needle in msg.html, f"{name}: {needle}"
        if "attachment_names" in expected:
            names = sorted(a.filename for a in msg.attachments.filter(inline=False))
            assert names == sorted(expected["attachment_names"]), name
        if "inline_images" in expected:
            assert msg.attachments.filter(inline=True).count() == expected["inline_images"], name
        if "bounce_status" in expected:
            assert msg.metadata["bounce"]["status"] == expected["bounce_status"], name
        if "bounce_permanent" in expected:
            assert msg.metadata["bounce"]["permanent"] is expected["bounce_permanent"], name
        if "display_name" in expected:
            assert msg.sender == expected["display_name"], name

    # A permanent bounce marks the address as bouncing; a delay does not.
    assert Identity.objects.get(value="weg@kunde.de").bouncing
    assert not Identity.objects.get(value="langsam@kunde.de").bouncing
    # Quarantined mail keeps its raw bytes for an admin.
    quarantined = InboundEvent.objects.filter(channel="email", state=InboundState.QUARANTINED)
    assert quarantined.count() == sum(1 for e in EXPECTED.values() if e["status"] == "quarantined")
    no_sender = quarantined.get(external_id="<ns065@nowhere>")
    assert bytes(no_sender.raw or b"") == (DATA / "065_no_sender.eml").read_bytes()
    assert "no sender" in no_sender.error
    # Attachments are stored with their size and sha256.
    attachment = Attachment.objects.filter(filename="winmail.dat").order_by("pk").first()
    assert attachment is not None
    with attachment.file.open("rb") as fh:
        assert len(fh.read()) == attachment.size
    assert len(attachment.sha256) == 64


def _by_file(messages: list[Message], name: str) -> Message:
    raw = (DATA / name).read_bytes()
    for m in messages:
        if m.inbound_event is not None and bytes(m.inbound_event.raw or b"") == raw:
            return m
    raise AssertionError(f"no stored message holds the bytes of {name}")


def _customer():
    from hub.tests.factories import CustomerFactory

    return CustomerFactory()
