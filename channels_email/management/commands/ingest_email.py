"""``ingest_email [--mailbox ADDRESS] FILE...``: each file through the pipeline, one JSON line each."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from channels_email.inbound import ingest_now
from channels_email.models import Mailbox
from channels_email.parse import parse_mail
from hub.identity import InvalidIdentity, normalize_email


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
                self.stderr.write(f"created mailbox {address}")
        else:
            mailbox = Mailbox.default()
        for name in options["files"]:
            path = Path(name)
            row: dict[str, Any] = {
                "file": name, "status": "quarantined", "ticket": None, "from": None, "subject": None,
                "attachments": 0, "reason": "",
            }  # fmt: skip
            try:
                raw = path.read_bytes()
            except OSError as exc:
                row["reason"] = f"cannot read the file: {exc.strerror or exc}"
                self.stdout.write(json.dumps(row, ensure_ascii=False))
                continue
            row["from"], row["subject"], row["attachments"] = _summary(raw)
            outcome = ingest_now(raw, mailbox=mailbox, source="file")
            row.update(status=outcome.status, ticket=outcome.ticket, reason=outcome.reason)
            self.stdout.write(json.dumps(row, ensure_ascii=False))
