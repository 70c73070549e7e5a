from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from channels_chat.models import Widget
from channels_chat.tokens import Visitor, new_visitor_token
from hub.models import Team

ORIGIN = "https://shop.example"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def widget(team: Team) -> Widget:
    return Widget.objects.create(name="Shop", team=team, allowed_origins=[ORIGIN], greeting_de="Hallo!")


@pytest.fixture
def visitor(widget: Widget) -> tuple[str, Visitor]:
    return new_visitor_token(widget)


Connect = Callable[..., Any]


@pytest_asyncio.fixture
async def connect() -> AsyncIterator[Connect]:
    """Open visitor websockets through the real ASGI application; all are closed at the end."""
    from hub.asgi import application

    opened: list[WebsocketCommunicator] = []

    async def open_socket(
        widget: Widget, token: str, origin: str = ORIGIN, expect: bool = True, peer: str | None = None
    ) -> WebsocketCommunicator:
        communicator = WebsocketCommunicator(
            application, f"/ws/chat/visitor/{widget.key}/?token={token}", headers=[(b"origin", origin.encode())]
        )
        if peer is not None:
            # The server fills in the client's address; the test communicator leaves it out.
            communicator.scope["client"] = (peer, 40000)
        connected, code = await communicator.connect(timeout=5)
        assert connected is expect, f"connect gave {connected}, {code}"
        if connected:
            opened.append(communicator)
        return communicator

    yield open_socket
    for communicator in opened:
        await communicator.disconnect()


async def receive_until(communicator: WebsocketCommunicator, kind: str, timeout: float = 5) -> list[dict[str, Any]]:
    """Every frame up to and including the first of type ``kind``."""
    frames = []
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        frames.append(frame)
        if frame["type"] == kind:
            return frames
