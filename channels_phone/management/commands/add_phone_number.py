"""``manage.py add_phone_number``: configure a number from the shell, with the fields of the API.

    manage.py add_phone_number --number +4930123456 --provider twilio --account-sid AC… \\
        --auth-token - --team support --sms --voicemail

A secret given as ``-`` is read from standard input (so it stays out of the shell's history).
An existing number is updated: options left out keep their values.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser, BooleanOptionalAction
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from channels_phone.api import PhoneNumberSerializer
from channels_phone.models import PhoneNumber, ProviderKind
from channels_phone.numbers import e164

FIELDS = {
    "name": "name",
    "provider": "provider",
    "account_sid": "account_sid",
    "auth_token": "auth_token",
    "webhook_secret": "webhook_secret",
    "team": "team",
    "sms": "sms",
    "voicemail": "voicemail",
    "greeting": "greeting",
    "language": "language",
    "calendar": "calendar",
    "enabled": "enabled",
}


class Command(BaseCommand):
    help = "Add a phone number (or change one) with its provider, credentials and team."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--number", required=True, help="E.164, e.g. +4930123456")
        parser.add_argument("--provider", choices=ProviderKind.values)
        parser.add_argument("--name")
        parser.add_argument("--account-sid", dest="account_sid")
        parser.add_argument("--auth-token", dest="auth_token", help="'-' reads it from standard input")
        parser.add_argument("--webhook-secret", dest="webhook_secret", help="'-' reads it from standard input")
        parser.add_argument("--team", help="the team's slug")
        parser.add_argument("--sms", action=BooleanOptionalAction, default=None)
        parser.add_argument("--voicemail", action=BooleanOptionalAction, default=None)
        parser.add_argument("--enabled", action=BooleanOptionalAction, default=None)
        parser.add_argument("--greeting")
        parser.add_argument("--language", help="the greeting's voice, e.g. de-DE")
        parser.add_argument("--calendar", help="a business calendar's id for hours of its own; '' for its team's")

    def handle(self, *args: Any, **options: Any) -> None:
        data: dict[str, Any] = {"number": options["number"]}
        for option, field in FIELDS.items():
            value = options.get(option)
            if value is None:
                continue
            if value == "-" and option in ("auth_token", "webhook_secret"):
                value = sys.stdin.readline().strip()
            data[field] = value
        existing = PhoneNumber.objects.filter(number=e164(options["number"]) or options["number"]).first()
        serializer = PhoneNumberSerializer(instance=existing, data=data, partial=existing is not None)
        if not serializer.is_valid():
            problems = "; ".join(
                f"{field}: {' '.join(map(str, errors))}" for field, errors in serializer.errors.items()
            )
            raise CommandError(problems)
        number = serializer.save()
        verb = "Changed" if existing is not None else "Added"
        self.stdout.write(
            f"{verb} {number.number} ({number.provider}, team {number.team.slug if number.team else '-'})"
        )
