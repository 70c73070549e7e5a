"""``ingest_email [--mailbox ADDRESS] FILE...``: mail files through the pipeline, one JSON line each.

Files are received in chunks (a durable receipt each, as the SMTP server and the webhook write)
and processed by the pipeline's batches, here and in any running worker alike; a file's line is
printed, in the order given, once it is processed. A progress count goes to the terminal.
"""

from __future__ import annotations

import json
import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from channels_email.inbound import accept
from channels_email.models import Mailbox
from channels_email.parse import parse_mail
from hub.identity import InvalidIdentity, normalize_email
from hub.models import InboundEvent, InboundState
from hub.pipeline import process_batch, settle

# Files received before the pipeline catches up: enough for full batches, few enough that the
# first lines come soon and memory stays flat whatever the number of files.
CHUNK = 200


def _summary(raw: bytes) -> tuple[str | None, str | None, int]:
    try:
        mail = parse_mail(raw)
    except Exception:  # noqa: BLE001 - the pipeline decides about this mail; the summary is best effort
        return None, None, 0
    sender = None
    if mail.sender is not None:
        try:
            sender = normalize_email(mail.sender.address)
        except InvalidIdentity:
            sender = mail.sender.address.lower()
    return sender, mail.subject, mail.counted_attachments


class Command(BaseCommand):
    help = "Run mail files through the inbound pipeline synchronously; print one JSON object per file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--mailbox", default="", help="the receiving mailbox address (default: the default mailbox)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        address = options["mailbox"].strip().lower()
        if address:
            mailbox = Mailbox.for_address(address)
            if mailbox is None:
                if "@" not in address:
                    raise CommandError(f"--mailbox {address!r} is not an email address")
                mailbox = Mailbox.objects.create(address=address, name=address)
                self.stderr.write(f"created mailbox {address} (no inbound token: rotate_inbound_token makes one)")
        else:
            mailbox = Mailbox.default()
        files: list[str] = options["files"]
        self._progress = _Progress(len(files), self.stderr)
        for start in range(0, len(files), CHUNK):
            received = [self._receive(name, mailbox) for name in files[start : start + CHUNK]]
            self._process([event for _, event, created in received if created and event is not None])
            for row, event, created in received:
                if event is not None:
                    outcome = settle(event, created=created)
                    row.update(status=outcome.status, ticket=outcome.ticket, reason=outcome.reason)
                self.stdout.write(json.dumps(row, ensure_ascii=False))
                self._progress.step()
        self._progress.done()

    def _receive(self, name: str, mailbox: Mailbox) -> tuple[dict[str, Any], InboundEvent | None, bool]:
        row: dict[str, Any] = {
            "file": name, "status": "quarantined", "ticket": None, "from": None, "subject": None,
            "attachments": 0, "reason": "",
        }  # fmt: skip
        try:
            raw = Path(name).read_bytes()
        except OSError as exc:
            row["reason"] = f"cannot read the file: {exc.strerror or exc}"
            return row, None, False
        row["from"], row["subject"], row["attachments"] = _summary(raw)
        event, created = accept(raw, mailbox=mailbox, source="file")
        return row, event, created

    def _process(self, events: list[InboundEvent]) -> None:
        """Run the pipeline's batches until these events are taken (here or by a worker)."""
        ids = [e.pk for e in events]
        while ids:
            report = process_batch()
            waiting = InboundEvent.objects.filter(pk__in=ids, state=InboundState.RECEIVED)
            ids = list(waiting.values_list("pk", flat=True))
            if ids and not report.claimed:
                time.sleep(0.05)  # a worker holds them right now


class _Progress:
    """``n/total`` on one terminal line (standard error), only when it is a terminal."""

    def __init__(self, total: int, out: Any) -> None:
        self.total, self.done_count, self.out = total, 0, out
        self.live = total > 1 and getattr(sys.stderr, "isatty", lambda: False)()
        self.last = 0.0

    def step(self) -> None:
        self.done_count += 1
        now = time.monotonic()
        if self.live and (now - self.last > 0.2 or self.done_count == self.total):
            self.last = now
            self.out.write(f"\r{self.done_count}/{self.total} mails processed", ending="")
            self.out.flush()

    def done(self) -> None:
        if self.live:
            self.out.write("")
