"""The chat benchmark's server side: uvicorn and a Celery worker as subprocesses, and their CPU.

Both run in their own process group, so stopping them also stops their workers (uvicorn's and
Celery's children) and nothing outlives the benchmark. CPU and memory are read from /proc, for
the whole process tree of each.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raise_fd_limit(wanted: int) -> int:
    """Lift this process's open-file limit (inherited by the servers) to ``wanted`` if allowed."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Servers:
    """The running subprocesses; ``stop()`` (or leaving the context) ends all of them."""

    port: int
    procs: list[Proc] = field(default_factory=list)
    logdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-chat-")))

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Proc:
        log = self.logdir / f"{name}.log"
        handle = log.open("wb")
        popen = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def check_alive(self) -> None:
        for proc in self.procs:
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail()}")

    def wait_http(self, path: str = "/healthz", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}{path}"
        while True:
            self.check_alive()
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready after {timeout:.0f} s")
            time.sleep(0.3)

    def pids(self, name: str | None = None) -> list[int]:
        """Every live pid in the process trees of our subprocesses (or of the one named)."""
        roots = [p.popen.pid for p in self.procs if name is None or p.name == name]
        return process_tree(roots)

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                # The group is ours alone (start_new_session): the server and its workers.
                os.killpg(proc.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs:
            try:
                proc.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait(timeout=5)
        # Workers that lingered after their parent went (a prefork child, say).
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.popen.pid, signal.SIGKILL)
        self.procs.clear()


def process_tree(roots: list[int]) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat_fields(int(entry.name))
        if stat is not None:
            parents[int(entry.name)] = int(stat[1])
    found = [pid for pid in roots if pid in parents]
    queue = list(found)
    while queue:
        pid = queue.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found += children
        queue += children
    return found


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 on (state, ppid, …); the name may hold spaces and parentheses."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rfind(")") + 2 :].split()


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            total += int(fields[21]) * PAGE_SIZE
    return total / 1e6


@contextlib.contextmanager
def cpu_window(pids: list[int]) -> Iterator[dict[str, float]]:
    """CPU of ``pids`` over the with-block, as percent of one core: {"percent", "seconds"}."""
    result: dict[str, float] = {}
    cpu0, wall0 = cpu_seconds(pids), time.monotonic()
    yield result
    cpu1, wall1 = cpu_seconds(pids), time.monotonic()
    result["seconds"] = wall1 - wall0
    result["percent"] = 100 * (cpu1 - cpu0) / max(wall1 - wall0, 1e-9)


def server_env(base: dict[str, str], overrides: dict[str, str]) -> dict[str, str]:
    env = dict(base)
    env.pop("SECRET_KEY_FILE", None)
    env.update(overrides)
    return env


def start_servers(env: dict[str, str], *, workers: int, celery_concurrency: int) -> Servers:
    port = free_port()
    servers = Servers(port)
    try:
        servers.start(
            "celery",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hub",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={celery_concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"bench-chat-{port}@%h",
            ],
            env,
        )
        servers.start(
            "uvicorn",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "hub.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
                "--no-access-log",
                "--backlog",
                "4096",
                # Chat frames are a few hundred bytes: per-message deflate of each cost 8 % of
                # the event loop and saved next to nothing (UVICORN_WS_PER_MESSAGE_DEFLATE
                # overrides it, as it does for any uvicorn).
                "--ws-per-message-deflate",
                os.environ.get("UVICORN_WS_PER_MESSAGE_DEFLATE", "false"),
            ],
            env,
        )
        servers.wait_http()
    except BaseException:
        servers.stop()
        raise
    return servers
