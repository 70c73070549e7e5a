"""``smtp_inbound``: run the inbound SMTP server until interrupted."""

from __future__ import annotations

import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from channels_email.smtp import controller


class Command(BaseCommand):
    help = "Accept mail for the configured mailboxes over SMTP (550 for other addresses)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=settings.EMAIL_SMTP_INBOUND_HOST)
        parser.add_argument("--port", type=int, default=settings.EMAIL_SMTP_INBOUND_PORT)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            server = controller(options["host"], options["port"])
        except OSError as exc:  # ssl.SSLError too: a certificate or key that cannot be read or used
            raise CommandError(f"the STARTTLS certificate cannot be used: {exc}") from exc
        server.start()
        if settings.EMAIL_SMTP_INBOUND_TLS_CERT:
            tls = "required" if settings.EMAIL_SMTP_INBOUND_REQUIRE_TLS else "offered"
            self.stdout.write(f"SMTP inbound listening on {options['host']}:{options['port']} (STARTTLS {tls})")
        else:
            self.stdout.write(f"SMTP inbound listening on {options['host']}:{options['port']} (no STARTTLS)")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
