"""Fixtures shared by every app's tests: agents with roles and teams, logged-in clients, and a
fake provider channel for exercising the pipeline without any real channel app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from hub.models import Agent, Role, Team
from hub.tests.factories import AgentFactory, TeamFactory
from hub.tests.fake_channel import FakeChannel
from hub.tests.receiver import Receiver, running


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the hub's default language: a request or test that switched to
    English must not leak it into the next test's translated strings."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _webhooks_read_afresh() -> None:
    """Each test's events see its own webhooks, not a list this process read in an earlier test
    (``hub.webhooks.outbox`` keeps it for two seconds; a rolled-back test never tells it)."""
    from hub.webhooks import outbox

    outbox.forget()


@pytest.fixture(autouse=True)
def _mailboxes_read_afresh() -> None:
    """Each test's mail finds its own mailboxes, not one this process read in an earlier test
    (``channels_email.mailboxes`` keeps them five seconds; a rolled-back test never tells it, so a
    lookup that should fail found the last test's "support@hub.example" in a CI run)."""
    from channels_email.mailboxes import forget_mailboxes

    forget_mailboxes()


@pytest.fixture(autouse=True)
def _one_rate_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate limits count in fixed windows (a minute for most): a test that crossed a window's
    end would start a fresh budget halfway and see a hit allowed that it expects refused (a run
    on a loaded machine did). All of a test's hits fall in the window it began in."""
    import time
    from types import SimpleNamespace

    import hub.ratelimit

    frozen = time.time()
    monkeypatch.setattr(hub.ratelimit, "time", SimpleNamespace(time=lambda: frozen))


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 that takes webhooks (``hub.tests.receiver``); webhooks may
    post to it (the hub's own network is otherwise refused)."""
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    with running() as found:
        yield found


@pytest.fixture
def team(db: None) -> Team:
    return TeamFactory.create(name="Support", slug="support")


@pytest.fixture
def other_team(db: None) -> Team:
    return TeamFactory.create(name="Billing", slug="billing")


@pytest.fixture
def agent(team: Team) -> Agent:
    return AgentFactory.create(teams=[team], role=Role.AGENT)


@pytest.fixture
def admin_agent(db: None) -> Agent:
    return AgentFactory.create(role=Role.ADMIN, user__is_staff=True, user__is_superuser=True)


@pytest.fixture
def client_for() -> object:
    def make(agent: Agent) -> Client:
        client = Client()
        client.force_login(agent.user)
        return client

    return make


@pytest.fixture
def api_for() -> object:
    def make(agent: Agent) -> APIClient:
        client = APIClient()
        client.force_authenticate(agent.user)
        return client

    return make


@pytest.fixture
def fake_channel(db: None) -> Iterator[FakeChannel]:
    """A channel whose provider is this test: it normalizes JSON payloads and records sends."""
    from hub import adapters

    adapter = FakeChannel()
    adapters.register(adapter)
    yield adapter
    adapters.unregister(adapter.key)
