"""The agents' websocket treats a session that owes its second factor as anonymous, as every
page does, and lets a verified session in."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub.models import Agent, Role
from hub.tests.factories import AgentFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _session(*, verified: bool) -> str:
    agent: Agent = AgentFactory.create(role=Role.AGENT)
    device = TOTPDevice.objects.create(user=agent.user, confirmed=True)
    client = Client()
    # A session logged in with the password alone (as the Django admin's own page does it).
    client.force_login(agent.user)
    if verified:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client.cookies["sessionid"].value


async def _connects(cookie: str) -> bool:
    from hub.asgi import application

    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", f"sessionid={cookie}".encode())]
    ws = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
    connected, _code = await ws.connect(timeout=5)
    await ws.disconnect()
    return connected


async def test_a_session_that_owes_its_code_cannot_open_the_agents_socket() -> None:
    cookie = await database_sync_to_async(_session)(verified=False)

    assert await _connects(cookie) is False


async def test_a_session_verified_by_the_app_opens_the_agents_socket() -> None:
    cookie = await database_sync_to_async(_session)(verified=True)

    assert await _connects(cookie) is True
