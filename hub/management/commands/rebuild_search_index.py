"""``manage.py rebuild_search_index``: every ticket's search words built again (``hub.search.index``)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from hub.search import index


class Command(BaseCommand):
    help = "Build the full-text search words of every ticket again (PostgreSQL), a batch at a time, with a count."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--batch", type=int, default=index.BATCH, help="Tickets per transaction.")
        parser.add_argument("--since", type=int, default=0, help="Only tickets with a higher id (to resume).")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("Nothing to do: on SQLite the search reads the messages themselves.")
            return

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"\r{done:,} of {total:,} tickets", ending="")
            self.stdout.flush()

        done = index.rebuild(batch=max(1, options["batch"]), since=options["since"], progress=progress)
        self.stdout.write(f"\nSearch words of {done:,} tickets built again.")
