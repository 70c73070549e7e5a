"""Agents and teams as the settings area changes them: profiles, roles, teams, skills."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from hub import audit
from hub.models import Agent, Role


def do_ensure_superuser_profile(user: User) -> Agent:
    """The agent profile of a Django superuser, made with the admin role if missing.

    Two first requests at once may both try: the second finds the profile the first made.
    """
    try:
        with transaction.atomic():
            agent = Agent.objects.create(user=user, role=Role.ADMIN)
            audit.record(agent, "agent.created", target=agent, changes={"role": [None, str(Role.ADMIN.label)]})
    except IntegrityError:
        agent = Agent.objects.get(user=user)
    return agent
