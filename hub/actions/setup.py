"""The first run: a fresh install without an administrator gets one, once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from hub import audit
from hub.models import Account, Agent, Role


class SetupDone(Exception):
    """The hub has an administrator already: the setup page is not offered any more."""


def needs_setup() -> bool:
    """Whether the one-time setup page is open: no administrator of any kind exists yet."""
    if Account.objects.filter(setup_completed_at__isnull=False).exists():
        return False
    if get_user_model().objects.filter(is_superuser=True, is_active=True).exists():
        return False
    return not Agent.objects.filter(role=Role.ADMIN, deactivated_at__isnull=True, user__is_active=True).exists()


@transaction.atomic
def do_first_run(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    company: str,
    language: str,
    time_zone: str,
) -> Agent:
    """Create the first administrator and the account's settings, and close the setup page.

    The account row is locked first, so two people submitting the page at once get one admin:
    the second finds the setup done and gets ``SetupDone``.
    """
    account = Account.current()
    account = Account.objects.select_for_update().get(pk=account.pk)
    if not needs_setup():
        raise SetupDone
    user: User = get_user_model().objects.create_user(
        username=username, email=email, password=password, first_name=first_name, last_name=last_name
    )
    agent = Agent.objects.create(user=user, role=Role.ADMIN, language=language)
    account.name, account.language, account.time_zone = company, language, time_zone
    account.setup_completed_at = timezone.now()
    account.save()
    audit.record(
        agent,
        "setup.completed",
        target=account,
        changes={"admin": [None, username], "company": [None, company], "time_zone": [None, time_zone]},
    )
    return agent
