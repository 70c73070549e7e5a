"""``create_api_token USERNAME [--scope read|write|admin] [--rotate]``: a token for an integration.

The token acts as the user's agent profile. It is printed once: the hub stores only its digest
(``hub.tokens``), so a lost token is replaced, never shown again. ``--rotate`` revokes the
tokens this command made for the user before.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hub.access import agent_of
from hub.actions.tokens import do_create_token, do_revoke_token
from hub.models import ApiToken


class Command(BaseCommand):
    help = "Print a new API token of a user's agent for integrations: 'Authorization: Bearer <token>'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--scope",
            choices=["read", "write", "admin"],
            default="write",
            help="What the token may do (default write).",
        )
        parser.add_argument("--rotate", action="store_true", help="Revoke the tokens made by this command before.")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: options["username"]})
        except User.DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}.") from None
        agent = agent_of(user)
        if agent is None:
            # The API answers only agents; a token for anyone else would open nothing.
            raise CommandError(f"{options['username']!r} has no agent profile; the API would refuse the token.")
        name = f"create_api_token {user.get_username()}"
        if options["rotate"]:
            for earlier in ApiToken.objects.filter(agent=agent, name=name, revoked_at__isnull=True):
                do_revoke_token(None, earlier)
        _, token = do_create_token(None, name=name, agent=agent, scope=options["scope"], expires_at=None)
        self.stdout.write(token)
