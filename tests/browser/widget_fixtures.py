"""A live hub (uvicorn on the test database) and a foreign host page that embeds the widget."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
WIDGET = ROOT / "frontend" / "widget"
BUILT = ROOT / "channels_chat" / "static" / "chatwidget" / "widget-app.js"

HOSTILE_CSS = """
button, textarea, input, section, ol, li, form { display: none !important; visibility: hidden !important; }
body * { font-size: 2px !important; line-height: 0 !important; }
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_widget_built() -> None:
    if not BUILT.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WIDGET, check=True)
        subprocess.run(["npm", "run", "build"], cwd=WIDGET, check=True)


@dataclass
class LiveHub:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        db = settings.DATABASES["default"]
        env = dict(os.environ)
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
            CELERY_TASK_ALWAYS_EAGER="true",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DEBUG="false",
            LOG_LEVEL="WARNING",
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "hub.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/static/chatwidget/widget.js", timeout=1)  # noqa: S310
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the live hub did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None


@pytest.fixture
def live_hub(transactional_db: None) -> Iterator[LiveHub]:
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.fail("browser tests need PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    ensure_widget_built()
    hub = LiveHub(free_port())
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture
def host_page(tmp_path: Path) -> Iterator[object]:
    """Serve a page on another origin (localhost, not 127.0.0.1) with hostile CSS and the widget tag."""
    port = free_port()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def page(hub: LiveHub, key: str) -> str:
        (tmp_path / "index.html").write_text(
            '<!doctype html><html lang="de"><head><title>Shop</title>'
            f"<style>{HOSTILE_CSS}</style></head><body><h1>Shop</h1>"
            f'<script src="{hub.url}/static/chatwidget/widget.js" data-widget="{key}" async></script></body></html>'
        )
        return f"http://localhost:{port}/index.html"

    yield page
    server.shutdown()


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[Page]:
    """A fresh German browser context on the session's Chromium (tests/browser/conftest.py):
    one Playwright per test session, since its sync API owns this thread's event loop."""
    context = browser.new_context(locale="de-DE")
    yield context.new_page()
    context.close()
