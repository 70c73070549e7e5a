"""``rotate_inbound_token ADDRESS [--create]``: a new inbound token for a mailbox, printed once.

The token authenticates ``POST /api/v1/channels/email/inbound``. Only its digest is stored, so
this output is the only place it appears: the previous token stops working. ``--create`` makes
the mailbox first when there is none with that address. The token alone goes to standard
output (one line, for scripts); what happened goes to standard error.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from channels_email.models import Mailbox
from channels_email.settings_actions import do_rotate_inbound_token


class Command(BaseCommand):
    help = "Make a new inbound token for a mailbox (the old one stops working) and print it once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("address", help="the mailbox's address")
        parser.add_argument("--create", action="store_true", help="create the mailbox if there is none")

    def handle(self, *args: Any, **options: Any) -> None:
        address = options["address"].strip().lower()
        mailbox = Mailbox.objects.filter(address=address).first()
        if mailbox is None:
            if not options["create"]:
                raise CommandError(f"there is no mailbox {address!r} (--create makes one)")
            try:
                validate_email(address)
            except ValidationError:
                raise CommandError(f"{address!r} is not an email address") from None
            mailbox = Mailbox.objects.create(address=address, name=address)
            self.stderr.write(f"created mailbox {address}")
        replaced = mailbox.inbound_token_digest is not None
        token = do_rotate_inbound_token(None, mailbox)
        self.stderr.write(
            f"new inbound token of {address} (shown once; the previous one no longer works)"
            if replaced
            else f"inbound token of {address} (shown once)"
        )
        self.stdout.write(token)
