"""``manage.py retry_inbound [--all-quarantined | ID ...]``: queue quarantined or failed events again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hub.actions.inbound import do_retry_inbound
from hub.models import InboundEvent, InboundState


class Command(BaseCommand):
    help = "Put quarantined or failed inbound events back to 'received' and queue their processing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, metavar="ID", help="inbound event ids")
        parser.add_argument("--all-quarantined", action="store_true", help="retry every quarantined event")

    def handle(self, *args: Any, ids: list[int], all_quarantined: bool, **options: Any) -> None:
        if bool(ids) == all_quarantined:
            raise CommandError("Give either event IDs or --all-quarantined (not both, not neither).")
        if all_quarantined:
            events = InboundEvent.objects.filter(state=InboundState.QUARANTINED).order_by("pk")
        else:
            events = InboundEvent.objects.filter(pk__in=ids).order_by("pk")
            missing = sorted(set(ids) - set(events.values_list("pk", flat=True)))
            if missing:
                self.stderr.write(f"No inbound event with id {', '.join(map(str, missing))}.")
        retried = skipped = 0
        # iterator(): --all-quarantined after an outage may mean many thousands of rows.
        for event in events.iterator(chunk_size=500):
            if do_retry_inbound(event, actor=None, via="command"):
                retried += 1
            else:
                skipped += 1
                self.stderr.write(f"Event {event.pk} is {event.state}, not quarantined or failed: left alone.")
        self.stdout.write(f"Retried {retried} inbound event(s); {skipped} left alone.")
