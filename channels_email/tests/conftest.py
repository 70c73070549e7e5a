"""Fixtures of the email channel's tests that run real servers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

IMAP_USER, IMAP_PASSWORD = "support", "geheim"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def imap_server() -> Iterator[int]:
    """A real IMAP server (pymap, in memory) with one user, ``support``/``geheim``; yields its port."""
    port = free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "pymap"), "--host", "127.0.0.1", "--port", str(port), "--no-tls",
         "dict", "--demo-user", IMAP_USER, "--demo-password", IMAP_PASSWORD],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(timeout=10)
