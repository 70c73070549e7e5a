"""API tokens as admins make and revoke them; the token itself is returned once and never kept."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from hub import audit, tokens
from hub.models import Agent, ApiToken, Role, Scope


@transaction.atomic
def do_create_token(
    actor: Agent | None, *, name: str, agent: Agent | None, scope: str, expires_at: datetime | None
) -> tuple[ApiToken, str]:
    """Make a token acting as ``agent``, or, with ``agent`` None, as a new integration profile
    named after the token (admin role for the admin scope, else a lead's view of all tickets).

    Returns the row and the token, which is shown once: only its digest is stored.
    """
    if agent is None:
        agent = _integration_profile(name, scope)
    prefix, token = tokens.new_token()
    row = ApiToken.objects.create(
        name=name,
        agent=agent,
        scope=scope,
        prefix=prefix,
        digest=tokens.digest(token),
        created_by=actor,
        expires_at=expires_at,
    )
    audit.record(
        actor,
        "token.created",
        target=row,
        label=name,
        changes={
            "acts_as": [None, agent.name],
            "scope": [None, scope],
            "expires_at": [None, expires_at.isoformat() if expires_at else None],
        },
    )
    return row, token


def _integration_profile(name: str, scope: str) -> Agent:
    User = get_user_model()
    base = f"integration-{slugify(name)[:40] or 'api'}"
    username, n = base, 2
    while User.objects.filter(username=username).exists():
        username, n = f"{base}-{n}", n + 1
    user = User.objects.create_user(username=username, first_name=name[:150])
    user.set_unusable_password()
    user.save(update_fields=["password"])
    role = Role.ADMIN if scope == Scope.ADMIN else Role.LEAD
    # An integration never signs in and is never online: its presence is its own, not the hub's.
    return Agent.objects.create(user=user, role=role, integration=True, presence_auto=False)


@transaction.atomic
def do_revoke_token(actor: Agent | None, token: ApiToken) -> None:
    row = ApiToken.objects.select_for_update().get(pk=token.pk)
    if row.revoked_at is not None:
        return
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    audit.record(actor, "token.revoked", target=row, label=row.name)
