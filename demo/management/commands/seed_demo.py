"""``seed_demo``: the curated demo (idempotent); ``--tickets N`` adds N bulk tickets on top."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from demo.bulk import seed_bulk
from demo.password import admin_password
from demo.people import ADMIN_USERNAME
from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create demo teams, agents, customers and tickets; --tickets N adds N tickets in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=0, help="Also add this many bulk tickets.")
        parser.add_argument("--seed", type=int, default=0, help="Random seed for the bulk tickets.")
        parser.add_argument("--chunk", type=int, default=20_000, help="Bulk tickets per transaction.")

    def handle(self, *args: Any, tickets: int, seed: int, chunk: int, **options: Any) -> None:
        if tickets < 0 or chunk < 1:
            self.stderr.write("--tickets must be 0 or more and --chunk at least 1")
            raise SystemExit(2)
        password = admin_password()
        report = seed_demo(password)
        if report.changed:
            made = ", ".join(f"{n} {what}" for what, n in report.created.items() if n)
            self.stdout.write(f"Demo data created: {made}.")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        if tickets:
            self.stdout.write(f"Adding {tickets:,} bulk tickets …")
            bulk = seed_bulk(tickets, seed=seed, chunk_size=chunk, progress=self.stdout.write)
            rate = bulk.tickets / bulk.seconds if bulk.seconds else 0.0
            self.stdout.write(
                f"Added {bulk.tickets:,} tickets, {bulk.messages:,} messages, {bulk.events:,} events and "
                f"{bulk.customers:,} customers in {bulk.seconds:.1f} s ({rate:,.0f} tickets/s)."
            )
        admin = get_user_model().objects.get(username=ADMIN_USERNAME)
        if not admin.check_password(password):
            if settings.HUB_ADMIN_PASSWORD:
                # Configured explicitly: the operator wants this password, whatever was there.
                admin.set_password(password)
                admin.save(update_fields=["password"])
            else:
                self.stdout.write(
                    self.style.WARNING(
                        f"{ADMIN_USERNAME} existed before with another password, left unchanged; "
                        "set HUB_ADMIN_PASSWORD to reset it."
                    )
                )
                return
        self.stdout.write(self.style.SUCCESS(f"Log in as {ADMIN_USERNAME} with password: {password}"))
