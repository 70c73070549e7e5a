"""Agents, invitations, teams and skills as the settings area changes them.

Every function runs in one transaction and writes its audit entry in it; mail goes out after
the commit. ``actor`` is the agent who did it (None: the system).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from hub import audit, invitations
from hub.access import forget_team_ids
from hub.actions.tickets import do_assign
from hub.models import Agent, Invitation, Role, Skill, Team, Ticket
from hub.models.teams import Presence
from hub.models.tickets import OPEN_STATUSES

SendInvitation = Callable[[Invitation, str], None]


class PeopleError(ValueError):
    """A change the hub refuses, with a message for the admin."""


def do_ensure_superuser_profile(user: User) -> Agent:
    """The agent profile of a Django superuser, made with the admin role if missing.

    Two first requests at once may both try: the second finds the profile the first made.
    """
    try:
        with transaction.atomic():
            agent = Agent.objects.create(user=user, role=Role.ADMIN)
            audit.record(agent, "agent.created", target=agent, changes={"role": [None, Role.ADMIN.value]})
    except IntegrityError:
        agent = Agent.objects.get(user=user)
    return agent


# --- Agents ------------------------------------------------------------------------------------


def _shown(agent: Agent) -> dict[str, Any]:
    """An agent as the audit log shows it: names, not ids."""
    return {
        "first_name": agent.user.first_name,
        "last_name": agent.user.last_name,
        "email": agent.user.email,
        "role": agent.role,
        "teams": sorted(t.name for t in agent.teams.all()),
        "skills": sorted(agent.skills),
        "languages": sorted(agent.languages),
        "language": agent.language,
        "capacity": {k: agent.capacity[k] for k in sorted(agent.capacity)},
    }


def _active_admins() -> Any:
    return Agent.objects.filter(role=Role.ADMIN, deactivated_at__isnull=True, user__is_active=True, integration=False)


def _keep_an_admin(agent: Agent, *, new_role: str | None = None, leaving: bool = False) -> None:
    """Refuse the change that would leave the hub without an active administrator."""
    if agent.role != Role.ADMIN or (not leaving and new_role in (None, Role.ADMIN)):
        return
    if not _active_admins().exclude(pk=agent.pk).exists():
        raise PeopleError(_("The hub needs at least one active administrator: make someone else admin first."))


@transaction.atomic
def do_update_agent(actor: Agent | None, agent: Agent, **values: Any) -> dict[str, list[Any]]:
    """Change an agent's profile; only the keys given change.

    Keys: ``first_name``, ``last_name``, ``email`` (the login's), ``role``, ``teams`` (Team
    rows), ``skills`` and ``languages`` (lists of names/codes), ``language`` (interface) and
    ``capacity`` ({channel: n}). A role change is also logged on its own ("agent.role_changed"),
    as a sensitive action. Returns what changed.
    """
    agent = Agent.objects.select_for_update().select_related("user").get(pk=agent.pk)
    if actor is not None and actor.role != Role.ADMIN and agent.role == Role.ADMIN:
        raise PeopleError(_("Only administrators change an administrator's profile."))
    before = _shown(agent)
    user = agent.user
    if "role" in values and values["role"] != agent.role:
        _keep_an_admin(agent, new_role=values["role"])
    for key in ("first_name", "last_name", "email"):
        if key in values:
            setattr(user, key, values[key])
    for key in ("role", "skills", "languages", "language", "capacity"):
        if key in values:
            setattr(agent, key, values[key])
    if "capacity" in values:
        agent.capacity = {str(k): int(v) for k, v in values["capacity"].items() if v is not None}
    if "teams" in values:
        agent.teams.set(values["teams"])
        forget_team_ids(agent)
    after = _shown(agent)
    changes = audit.diff(before, after)
    if changes:
        user.save()
        agent.save()
        if "role" in changes:
            audit.record(actor, "agent.role_changed", target=agent, changes={"role": changes["role"]})
        audit.record(actor, "agent.updated", target=agent, changes=changes)
    return changes


def open_tickets_of(agent: Agent) -> Any:
    return Ticket.objects.filter(assignee=agent, status__in=OPEN_STATUSES)


@transaction.atomic
def do_deactivate_agent(actor: Agent | None, agent: Agent) -> int:
    """Switch the agent's login off and give their open tickets back to their team queues.

    The history stays: messages, notes and events keep naming them. Returns how many tickets
    went back. Each ticket goes through ``do_assign`` (its own event and live update).
    """
    agent = Agent.objects.select_for_update().select_related("user").get(pk=agent.pk)
    if agent.deactivated_at is not None:
        return 0
    _keep_an_admin(agent, leaving=True)
    returned = 0
    for ticket in open_tickets_of(agent).select_for_update().order_by("pk"):
        do_assign(ticket, None, actor=actor)
        returned += 1
    agent.deactivated_at = timezone.now()
    agent.presence = Presence.OFFLINE
    agent.save(update_fields=["deactivated_at", "presence"])
    agent.user.is_active = False
    agent.user.save(update_fields=["is_active"])
    audit.record(actor, "agent.deactivated", target=agent, changes={"tickets_returned": returned})
    return returned


@transaction.atomic
def do_reactivate_agent(actor: Agent | None, agent: Agent) -> None:
    agent = Agent.objects.select_for_update().select_related("user").get(pk=agent.pk)
    if agent.deactivated_at is None:
        return
    agent.deactivated_at = None
    agent.save(update_fields=["deactivated_at"])
    agent.user.is_active = True
    agent.user.save(update_fields=["is_active"])
    audit.record(actor, "agent.reactivated", target=agent)


# --- Invitations -------------------------------------------------------------------------------


def _new_nonce() -> str:
    return secrets.token_urlsafe(16)


@transaction.atomic
def do_invite(
    actor: Agent | None,
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    teams: Iterable[Team],
    language: str,
    send: SendInvitation,
) -> Invitation:
    """Create the invitee's login (inactive, no password) and profile, and mail the link.

    ``send(invitation, token)`` is called after the commit; the token is the signed link's.
    """
    email = email.strip().lower()
    User_ = get_user_model()
    if User_.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        raise PeopleError(_("There is already a login with this email address."))
    user = User_.objects.create_user(
        username=email, email=email, first_name=first_name, last_name=last_name, is_active=False
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    agent = Agent.objects.create(user=user, role=role, language=language)
    agent.teams.set(list(teams))
    now = timezone.now()
    invitation = Invitation.objects.create(
        agent=agent,
        email=email,
        nonce=_new_nonce(),
        invited_by=actor,
        created_at=now,
        sent_at=now,
        expires_at=now + invitations.VALID_FOR,
    )
    audit.record(
        actor,
        "agent.invited",
        target=agent,
        label=email,
        changes={"role": [None, role], "teams": [None, sorted(t.name for t in agent.teams.all())]},
    )
    token = invitations.token_for(invitation)
    transaction.on_commit(lambda: send(invitation, token))
    return invitation


@transaction.atomic
def do_resend_invitation(actor: Agent | None, invitation: Invitation, *, send: SendInvitation) -> Invitation:
    """A new link (the old one stops working) valid for another ``VALID_FOR``, mailed again."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise PeopleError(_("This invitation is no longer pending."))
    now = timezone.now()
    invitation.nonce = _new_nonce()
    invitation.sent_at = now
    invitation.expires_at = now + invitations.VALID_FOR
    invitation.save(update_fields=["nonce", "sent_at", "expires_at"])
    audit.record(actor, "agent.invitation_resent", target=invitation.agent, label=invitation.email)
    token = invitations.token_for(invitation)
    transaction.on_commit(lambda: send(invitation, token))
    return invitation


@transaction.atomic
def do_revoke_invitation(actor: Agent | None, invitation: Invitation) -> None:
    """End a pending invitation: its link stops working and the unused login is removed."""
    invitation = Invitation.objects.select_for_update().select_related("agent__user").get(pk=invitation.pk)
    if not invitation.is_pending:
        raise PeopleError(_("This invitation is no longer pending."))
    audit.record(actor, "agent.invitation_revoked", target=invitation.agent, label=invitation.email)
    # The login was never used: nothing in the history names it.
    invitation.agent.user.delete()


@transaction.atomic
def do_accept_invitation(invitation: Invitation, *, password: str) -> Agent:
    """The invitee chose a password: the login works from now on and the link is spent."""
    invitation = Invitation.objects.select_for_update().select_related("agent__user").get(pk=invitation.pk)
    if not invitation.is_pending or invitation.is_expired:
        raise PeopleError(_("This invitation link has expired or was already used."))
    user = invitation.agent.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.record(invitation.agent, "agent.joined", target=invitation.agent, label=invitation.email)
    return invitation.agent


# --- Teams and skills --------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:45] or "team"
    slug, n = base, 2
    while Team.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _team_shown(team: Team) -> dict[str, Any]:
    return {"name": team.name, "members": sorted(a.name for a in team.agents.select_related("user"))}


@transaction.atomic
def do_save_team(
    actor: Agent | None, team: Team | None, *, name: str, members: Iterable[Agent]
) -> tuple[Team, dict[str, list[Any]]]:
    """Create a team (``team`` None) or change its name and members; returns it and the changes."""
    created = team is None
    if team is None:
        team = Team.objects.create(name=name, slug=_unique_slug(name))
        before: Mapping[str, Any] = {}
    else:
        team = Team.objects.select_for_update().get(pk=team.pk)
        before = _team_shown(team)
        team.name = name
        team.save(update_fields=["name"])
    team.agents.set(list(members))
    changes = audit.diff(before, _team_shown(team))
    if changes:
        audit.record(actor, "team.created" if created else "team.updated", target=team, changes=changes)
    return team, changes


@transaction.atomic
def do_delete_team(actor: Agent | None, team: Team) -> int:
    """Delete a team; its tickets stay, without a team (admins and leads see them). Returns how
    many open tickets were in it."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    open_count = Ticket.objects.filter(team=team, status__in=OPEN_STATUSES).count()
    audit.record(actor, "team.deleted", target=team, changes={"open_tickets": open_count})
    team.delete()
    return open_count


@transaction.atomic
def do_add_skill(actor: Agent | None, name: str) -> Skill:
    name = name.strip()
    if Skill.objects.filter(name__iexact=name).exists():
        raise PeopleError(_("This skill exists already."))
    skill = Skill.objects.create(name=name)
    audit.record(actor, "skill.created", target=skill)
    return skill


@transaction.atomic
def do_remove_skill(actor: Agent | None, skill: Skill) -> int:
    """Remove a skill from the list and from every agent who had it; returns how many had it."""
    holders = [a for a in Agent.objects.select_for_update() if skill.name in (a.skills or [])]
    for agent in holders:
        agent.skills = [s for s in agent.skills if s != skill.name]
        agent.save(update_fields=["skills"])
    audit.record(actor, "skill.deleted", target=skill, changes={"agents": [sorted(a.name for a in holders), []]})
    skill.delete()
    return len(holders)
