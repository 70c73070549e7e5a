"""Shared helpers of the settings area's tests: agents of each role, signed in."""

from __future__ import annotations

from typing import cast

from django.test import Client

from hub.models import Agent, Role
from hub.tests.factories import AgentFactory


def agent(role: str = Role.ADMIN, **kwargs: object) -> Agent:
    return cast(Agent, AgentFactory(role=role, **kwargs))


def client_for(who: Agent) -> Client:
    client = Client()
    client.force_login(who.user)
    return client
