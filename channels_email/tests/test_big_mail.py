"""A 20 MB mail is parsed in pieces, its big attachment goes to disk, and its ticket stays light.

The stdlib's ``parsebytes`` and ``get_payload(decode=True)`` had held a 26 MB mail (a 19 MB
attachment) about seven times over: 200 MB at the peak, and the header read of the receipt as
much again. The bounds below are far under those figures and well over today's.
"""

from __future__ import annotations

import base64
import email
import hashlib
import quopri
import random
import re
import tracemalloc
from collections.abc import Callable, Iterator
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any, cast

import pytest

from channels_email import parse
from channels_email.charsets import raw_header
from channels_email.inbound import ingest_now
from channels_email.models import Mailbox
from channels_email.parse import envelope, parse_mail
from channels_email.tests.tnef_build import File, tnef
from hub.models import Attachment, InboundEvent, Message, Ticket
from hub.pipeline.process import process_batch

MB = 1024 * 1024


def payload(size: int, seed: int = 20) -> bytes:
    # The same bytes every run: content-addressed storage keeps one file for all runs.
    return random.Random(seed).randbytes(size)


def mail_with_attachment(
    data: bytes, *, ctype: str = 'application/pdf; name="gross.pdf"', text: str = "Anbei."
) -> bytes:
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (
        b"From: Max Muster <max@kunde.example>\r\nTo: support@hub.example\r\nSubject: Die Unterlagen\r\n"
        b"Message-ID: <big-attachment@kunde.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="grenze"\r\n\r\n'
        b"--grenze\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode() + b"\r\n"
        b"--grenze\r\nContent-Type: "
        + ctype.encode()
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + encoded
        + b"--grenze--\r\n"
    )


def traced(call: Callable[[], Any]) -> tuple[Any, int, int]:
    """``call()``, with the peak of memory it allocated and what it still held when it returned."""
    tracemalloc.start()
    try:
        result = call()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak, held


def reference_fingerprint(raw: bytes) -> str:
    """The fingerprint as the whole-mail code computed it (stored events carry it: it must not change)."""
    head = BytesHeaderParser(policy=compat32).parsebytes(raw)
    split = re.search(rb"\r?\n\r?\n", raw)
    body = raw[split.end() :] if split else b""
    digest = hashlib.sha256()
    for name in ("From", "To", "Cc", "Date", "Subject"):
        digest.update(name.encode() + b":" + raw_header(head, name).strip().encode("utf-8", "surrogateescape") + b"\n")
    digest.update(body.replace(b"\r\n", b"\n").rstrip())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def big_attachment() -> bytes:
    return payload(19 * MB)


@pytest.fixture(scope="module")
def big_mail(big_attachment: bytes) -> bytes:
    return mail_with_attachment(big_attachment)


def test_parsing_a_20_mb_mail_keeps_its_attachment_on_disk_not_in_memory(
    big_mail: bytes, big_attachment: bytes
) -> None:
    mail, peak, held = traced(lambda: parse_mail(big_mail))

    assert peak < 4 * len(big_mail)  # was 7.7 times the mail (201 MB for 26 MB)
    assert held < MB  # the 19 MB are in a temporary file
    (attachment,) = mail.attachments
    assert attachment.content == b"" and attachment.spooled is not None
    assert attachment.size == len(big_attachment)
    attachment.spooled.seek(0)
    assert attachment.spooled.read() == big_attachment
    assert (attachment.filename, attachment.content_type, mail.text) == ("gross.pdf", "application/pdf", "Anbei.")


def test_the_receipt_of_a_20_mb_mail_reads_its_headers_and_not_the_whole_mail(big_mail: bytes) -> None:
    found, peak, _held = traced(lambda: envelope(big_mail))

    assert peak < 8 * MB  # was 201 MB: the header parser read the body too, as one string
    assert found.message_id == "<big-attachment@kunde.example>"
    assert found.fingerprint == reference_fingerprint(big_mail)


@pytest.mark.parametrize("piece", [1, 2, 3, 5, 64, 4096])
@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@b.example\r\n\r\nText \r\n\r\r\n\r\n \t\r\n",
        b"From: a@b.example\r\nSubject: x\r\n\r\nab\r",
        b"From: a@b.example\n\nZeile\rmit\r\r\nCR \r\n\r\n\x0b\x0c",
        b"From  : a@b.example\r\nSubject: nur Kopf",
        b"From: a@b.example\r\n\r\n" + b"x\r\n \r\n" * 3000 + b"\r\n\r\n   ",
    ],
)
def test_the_fingerprint_is_the_same_however_the_mail_is_cut_into_pieces(monkeypatch, raw: bytes, piece: int) -> None:
    monkeypatch.setattr(parse, "FEED_BYTES", piece)

    assert envelope(raw).fingerprint == reference_fingerprint(raw)


@pytest.mark.parametrize("piece", [1, 7, 4096])
def test_a_mail_fed_in_pieces_parses_as_a_whole(monkeypatch, piece: int) -> None:
    raw = (
        b"From  : Max <max@kunde.example>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\nHallo\x00 Welt, gr\xc3\xbc\xc3\x9fe\r\n"
        b"--b\r\nContent-Type: text/html\r\n\r\n<p>Hallo</p>\r\n--b--\r\n"
    )
    whole = parse_mail(raw)
    monkeypatch.setattr(parse, "FEED_BYTES", piece)

    pieces = parse_mail(raw)

    assert (pieces.sender, pieces.subject, pieces.text, pieces.html) == (
        whole.sender,
        whole.subject,
        whole.text,
        whole.html,
    )
    assert pieces.sender is not None and pieces.sender.address == "max@kunde.example"  # "From  :" repaired
    assert pieces.text == "Hallo Welt, grüße" and pieces.subject == "Grüße"


def stdlib_decoded(raw: bytes) -> list[bytes]:
    """What ``get_payload(decode=True)`` gives for each leaf after the first (the text)."""
    msg = email.message_from_bytes(raw, policy=compat32)
    return [cast(bytes, p.get_payload(decode=True)) for p in msg.walk() if not p.is_multipart()][1:]


def contents(mail: parse.ParsedMail) -> Iterator[bytes]:
    for attachment in mail.attachments:
        if attachment.spooled is not None:
            attachment.spooled.seek(0)
            yield attachment.spooled.read()
        else:
            yield attachment.content


@pytest.mark.parametrize(
    "make",
    [
        # Lines of 77 characters: a base64 group runs over the line break.
        lambda data: b"\r\n".join(re.findall(rb".{1,77}", base64.b64encode(data))),
        lambda data: base64.encodebytes(data),  # LF only
        lambda data: base64.b64encode(data)[:-3],  # cut short: the stdlib decodes what it can
        lambda data: base64.encodebytes(data[:300_000]) + b"!!\xff\r\n" + base64.encodebytes(data[300_000:]),  # junk
    ],
)
def test_big_base64_decodes_in_pieces_to_what_the_stdlib_makes_of_it(make: Callable[[bytes], bytes]) -> None:
    raw = mail_with_attachment(b"").replace(base64.encodebytes(b"").replace(b"\n", b"\r\n"), b"")
    raw = raw.replace(b"base64\r\n\r\n", b"base64\r\n\r\n" + make(payload(3 * MB, seed=3)) + b"\r\n")

    assert list(contents(parse_mail(raw))) == stdlib_decoded(raw)


def test_a_big_quoted_printable_text_decodes_in_pieces_as_the_stdlib_does() -> None:
    text = (
        "Grüße aus Köln – eine Zeile, die länger ist als sechsundsiebzig Zeichen, also umbrochen wird.\n" * 40_000
    ).encode()
    raw = (
        b"From: max@kunde.example\r\nSubject: Lang\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + quopri.encodestring(text).replace(b"\n", b"\r\n")
    )
    expected = cast(bytes, email.message_from_bytes(raw, policy=compat32).get_payload(decode=True))

    assert parse_mail(raw).text == expected.decode().replace("\r\n", "\n").strip()


def test_a_big_winmail_dat_known_only_by_its_signature_is_still_unpacked() -> None:
    pdf = b"%PDF-1.4\n" + payload(2 * MB, seed=5)
    raw = mail_with_attachment(tnef([File("Angebot.pdf", pdf, "application/pdf")]), ctype="application/octet-stream")

    mail = parse_mail(raw)

    names = [a.filename for a in mail.attachments]
    assert names[1:] == ["Angebot.pdf"]
    assert mail.attachments[1].content == pdf


@pytest.mark.django_db
def test_a_20_mb_mail_is_stored_whole_and_its_ticket_and_inbox_stay_small(
    big_mail: bytes, big_attachment: bytes, agent, team, client_for
) -> None:
    long_text = "Sehr geehrte Damen und Herren, " * 400_000  # 12 MB of text before the attachment
    raw = mail_with_attachment(big_attachment, text=long_text)

    result = ingest_now(raw, mailbox=Mailbox.default(), source="test")

    assert result.status == "created"
    assert result.ticket is not None
    ticket = Ticket.objects.get(pk=result.ticket)
    attachment = Attachment.objects.get(message__ticket=ticket)
    assert attachment.size == len(big_attachment)
    assert attachment.sha256 == hashlib.sha256(big_attachment).hexdigest()
    with attachment.file.open("rb") as stored:
        assert stored.read() == big_attachment
    assert len(ticket.last_message_preview) <= 200 and ticket.last_message_preview.startswith("Sehr geehrte")
    ticket.team, ticket.assignee = team, agent
    ticket.save(update_fields=["team", "assignee"])
    client = client_for(agent)
    for url in (f"/agent/v/mine/t/{ticket.pk}/", "/agent/v/mine/"):
        page = client.get(url)
        assert page.status_code == 200
        assert len(page.content) < MB


@pytest.mark.django_db
def test_a_batch_of_big_mails_reads_them_one_at_a_time(big_attachment: bytes) -> None:
    box = Mailbox.default()
    mails = [
        mail_with_attachment(big_attachment[: 4 * MB]).replace(b"<big-attachment@", f"<big-{n}@".encode())
        for n in range(8)
    ]
    for raw in mails:
        found = envelope(raw)
        payload_ = {"mailbox": box.address, "source": "test", "fingerprint": found.fingerprint}
        InboundEvent.objects.create(channel="email", external_id=found.external_id, payload=payload_, raw=raw)

    report, peak, _held = traced(process_batch)

    assert report.claimed == 8 and Message.objects.filter(attachments__size=4 * MB).count() == 8
    # One mail's raw bytes and its parsing at a time; all eight at once were more than seven mails.
    assert peak < 4 * len(mails[0])
