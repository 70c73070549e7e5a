"""A real HTTP server on localhost that takes webhooks: it keeps every POST and answers as told."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """``answers``: (status, body) for the next POSTs in turn, then 200 ``ok`` (a 3xx points at
    elsewhere.example); ``delay``: seconds to wait before answering."""

    url: str = ""
    got: list[Received] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)
    delay: float = 0.0

    def events(self) -> list[str]:
        return [r.headers.get("X-Hub-Event", "") for r in self.got]


@contextlib.contextmanager
def running() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.got.append(Received(self.path, dict(self.headers.items()), body))
            if receiver.delay:
                time.sleep(receiver.delay)
            status, text = receiver.answers.pop(0) if receiver.answers else (200, "ok")
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "https://elsewhere.example/hook")
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(text.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/hub"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
