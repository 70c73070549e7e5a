"""``manage.py reencrypt_secrets``: rewrite every encrypted field under the first key.

Run after putting a new key in front of FIELD_ENCRYPTION_KEYS (or after setting it for the
first time); afterwards the old keys can be removed. Safe to run again: a value already under
the first key is simply rewritten under it.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hub.crypto import Ciphertext, EncryptedTextField, UndecryptableSecret, rotate


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        rewritten = 0
        unreadable: list[str] = []
        for model in apps.get_models():
            fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            for row in model._default_manager.values_list("pk", *fields).iterator():
                pk, tokens = row[0], row[1:]
                changes: dict[str, Ciphertext] = {}
                for name, token in zip(fields, tokens, strict=True):
                    if not token:
                        continue
                    try:
                        changes[name] = Ciphertext(rotate(token))
                    except UndecryptableSecret:
                        unreadable.append(f"{model._meta.label} {pk} {name}")
                if changes:
                    with transaction.atomic():
                        model._default_manager.filter(pk=pk).update(**changes)
                    rewritten += len(changes)
        self.stdout.write(f"Re-encrypted {rewritten} secret(s).")
        if unreadable:
            raise CommandError(
                "No configured key opens these (enter them again, or add the key they were written with): "
                + ", ".join(unreadable)
            )
