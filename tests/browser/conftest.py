"""Shared fixtures for browser tests: the hub served over ASGI on the test database, and
Debian's Chromium driven by Playwright (Playwright cannot download its own browser here).

The server runs uvicorn in a thread of the test process, so what a test registers (the fake
provider channel) and writes (committed rows of ``transactional_db``) is what the server sees.
Live events go through the configured channel layer, which must be Redis: the in-memory
layer cannot carry events between the test's thread and the server's event loop.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.test import Client

from hub.models import Agent

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
DIST = FRONTEND / "static" / "frontend" / "dist" / "app.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_frontend_built() -> None:
    """The workspace islands and vendored htmx (``npm ci && npm run build`` in frontend/)."""
    if DIST.exists() and (DIST.parent / "settings.js").exists():
        return
    if not (FRONTEND / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
    subprocess.run(["npm", "run", "build"], cwd=FRONTEND, check=True)


@dataclass
class LiveServer:
    url: str
    port: int


@pytest.fixture
def live_asgi(transactional_db: None) -> Iterator[LiveServer]:
    """The whole hub (HTTP and websockets) on 127.0.0.1, torn down before the database flush."""
    import uvicorn

    if "InMemory" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        pytest.fail("browser tests need the Redis channel layer: set REDIS_URL (and DATABASE_URL)")
    ensure_frontend_built()
    from hub.asgi import application

    port = free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", lifespan="off", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-asgi", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live ASGI server did not start")
        time.sleep(0.05)
    yield LiveServer(url=f"http://127.0.0.1:{port}", port=port)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    # Playwright's sync API keeps an event loop in this thread; the tests' own ORM calls are
    # still plain synchronous code, which Django would otherwise refuse here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def signed_in_context(browser: Browser, url: str, agent: Agent | None, locale: str = "de-DE") -> BrowserContext:
    """A fresh browser context (1440×900) on ``url``, logged in as ``agent`` through a real
    session cookie when one is given."""
    context = browser.new_context(base_url=url, locale=locale, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    if agent is not None:
        client = Client()
        client.force_login(agent.user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])
    return context


@pytest.fixture
def new_page(browser: Browser, live_asgi: LiveServer) -> Iterator[Callable[..., Page]]:
    """``new_page(agent=None)``: a page in a fresh browser context (German, 1440×900), logged in
    as ``agent`` through a real session cookie when one is given."""
    contexts: list[BrowserContext] = []

    def make(agent: Agent | None = None, locale: str = "de-DE") -> Page:
        context = signed_in_context(browser, live_asgi.url, agent, locale)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _email_replies_go_at_once(request: pytest.FixtureRequest) -> None:
    """Email replies wait out the account's undo window in the composer (frontend/ts/undosend.ts);
    the tests that do not test that window send at once, as they did before it."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("transactional_db")
    from hub.models import Account

    Account.objects.update_or_create(pk=1, defaults={"undo_send_seconds": 0})
