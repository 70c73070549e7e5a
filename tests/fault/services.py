"""A private production topology for fault injection: PostgreSQL, Redis and the hub's processes.

Everything runs on loopback, on free ports, under one temporary directory, and is torn down at
the end: a PostgreSQL cluster of its own (``initdb``/``pg_ctl`` from the machine's PostgreSQL),
a ``redis-server``, the web tier (uvicorn), the inbound SMTP server, a Celery worker and Celery
beat. Nothing here touches the PostgreSQL or Redis that other test runs use.

The hub's processes are started with the benchmark's process helpers (``bench.chat_procs``):
each runs in a process group of its own, so a kill reaches a worker's children as a supervisor
(systemd's control group) would.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.chat_procs import Proc, Servers, free_port, process_tree

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "fault-suite-only-" + "k" * 48


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (``PG_BIN`` overrides)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def missing() -> str:
    """Why the fault suite cannot run here, or '' when it can."""
    if postgres_bin() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql"
    if shutil.which("redis-server") is None:
        return "no redis-server on PATH"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user to run the cluster as"
    return ""


def wait_until(check: Callable[[], Any], what: str, timeout: float, *, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {timeout:.0f} s")
        time.sleep(every)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Postgres:
    """A throwaway cluster. As root, the server runs as the ``postgres`` user (initdb insists)."""

    def __init__(self, base: Path) -> None:
        self.bin = postgres_bin() or Path("/nonexistent")
        self.home = base / "pg"
        self.data = self.home / "data"
        self.log = self.home / "server.log"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.home.mkdir()
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.home, entry.pw_uid, entry.pw_gid)

    def _run(self, *argv: str, timeout: float = 60) -> None:
        subprocess.run(
            [str(self.bin / argv[0]), *argv[1:]],
            check=True,
            timeout=timeout,
            user=self.user,
            cwd=self.home,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        settings = [
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "max_connections = 100",
            "shared_buffers = 32MB",
        ]
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(settings) + "\n")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self) -> None:
        """What an operator's ``systemctl restart postgresql`` does: every connection is cut."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "-t", "60", "restart")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Hub:
    """The hub on its own PostgreSQL and Redis, with handles to hurt each part."""

    base: Path
    postgres: Postgres
    servers: Servers
    redis_port: int = field(default_factory=free_port)
    smtp_port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    generation: dict[str, int] = field(default_factory=dict)
    mailbox_address: str = "support@fault.example"
    mailbox_token: str = ""

    @property
    def web_port(self) -> int:
        return self.servers.port

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    # -- starting ---------------------------------------------------------------------------

    def prepare(self) -> None:
        self.postgres.init()
        self.postgres.start()
        with self.postgres.connect() as conn:
            conn.execute("CREATE DATABASE hub")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "SECRET_KEY"))},
            "DATABASE_URL": self.postgres.url("hub"),
            "REDIS_URL": self.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "SECRET_KEY": SECRET_KEY,
            "DEBUG": "false",
            "LOG_LEVEL": "INFO",
            "MEDIA_ROOT": str(self.base / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # Stuck events are handed back after seconds, not minutes: the suite has minutes.
            "INBOUND_STUCK_AFTER_SECONDS": "5",
            "FAULT_BEAT_SECONDS": "2",
        }
        self.start_redis()
        self.manage("migrate", "--noinput", timeout=240)
        out = self.manage("shell", "-c", SEED.format(address=self.mailbox_address))
        self.mailbox_token = out.strip().splitlines()[-1]

    def manage(self, *argv: str, timeout: float = 60) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *argv],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def _start(self, name: str, argv: list[str]) -> Proc:
        count = self.generation[name] = self.generation.get(name, 0) + 1
        return self.servers.start(f"{name}-{count}", argv, self.env)

    def proc(self, name: str) -> Proc:
        return next(p for p in reversed(self.servers.procs) if p.name.startswith(f"{name}-"))

    def start_redis(self) -> None:
        argv = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", ""]
        self._start("redis", [*argv, "--appendonly", "no", "--dir", str(self.base)])
        wait_until(lambda: _port_open(self.redis_port), "Redis", 20)

    def start_web(self) -> None:
        self._start(
            "web",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "hub.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.web_port),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
            ],
        )
        self.servers.wait_http()

    def start_smtp(self) -> None:
        self._start(
            "smtp", [sys.executable, "manage.py", "smtp_inbound", "--host", "127.0.0.1", "--port", str(self.smtp_port)]
        )
        wait_until(lambda: _port_open(self.smtp_port), "SMTP server", 30)

    def start_worker(self) -> None:
        name = f"fault-{os.getpid()}-{self.generation.get('worker', 0) + 1}@%h"
        self._start(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hub",
                "worker",
                "--concurrency=2",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                name,
            ],
        )
        wait_until(lambda: "ready." in self.proc("worker").tail(200), "worker ready", 60)

    def start_beat(self) -> None:
        self._start(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hub",
                "beat",
                "--loglevel=INFO",
                "--scheduler",
                "tests.fault.beat:PacedScheduler",
                "-s",
                str(self.base / "beat-schedule"),
            ],
        )

    def start(self) -> None:
        self.prepare()
        self.start_web()
        self.start_smtp()
        self.start_worker()
        self.start_beat()

    # -- hurting ----------------------------------------------------------------------------

    def _stop(self, proc: Proc, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.popen.pid, sig)
        proc.popen.wait(timeout=30)
        self.servers.procs.remove(proc)

    def kill_worker(self) -> None:
        """kill -9 of the worker and its pool's children, mid-whatever."""
        self._stop(self.proc("worker"), signal.SIGKILL)

    def stop_redis(self) -> None:
        self._stop(self.proc("redis"), signal.SIGTERM)

    def restart_redis(self, down_for: float = 1.0) -> None:
        self.stop_redis()
        time.sleep(down_for)
        self.start_redis()

    def pool_pids(self) -> list[int]:
        """The worker's pool processes (the ones that run tasks), without its main process."""
        main = self.proc("worker").popen.pid
        return [pid for pid in process_tree([main]) if pid != main]

    def pause_pool(self) -> None:
        """The worker still takes tasks from Redis, but holds them: none finishes or is acked."""
        for pid in self.pool_pids():
            os.kill(pid, signal.SIGSTOP)

    def resume_pool(self) -> None:
        for pid in self.pool_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def pause_worker(self) -> None:
        os.killpg(self.proc("worker").popen.pid, signal.SIGSTOP)

    def resume_worker(self) -> None:
        os.killpg(self.proc("worker").popen.pid, signal.SIGCONT)

    # -- looking ----------------------------------------------------------------------------

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.postgres.connect("hub") as conn:
            return list(conn.execute(sql, params).fetchall())

    def logs(self, name: str) -> str:
        """Everything every generation of a process wrote (a killed worker's too)."""
        parts = []
        for count in range(1, self.generation.get(name, 0) + 1):
            log = self.servers.logdir / f"{name}-{count}.log"
            with contextlib.suppress(OSError):
                parts.append(log.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)

    def check_alive(self) -> None:
        self.servers.check_alive()

    def describe(self) -> str:
        """The tail of every log, for a failing test's message."""
        tails = [f"--- {proc.name}\n{proc.tail(40)}" for proc in self.servers.procs]
        return "\n".join([*tails, f"--- postgres\n{self.postgres.tail()}"])

    def stop(self) -> None:
        self.servers.stop()
        if self.postgres.running():
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self.postgres.stop("immediate")


def start_hub() -> Hub:
    base = Path(tempfile.mkdtemp(prefix="hub-fault-"))
    base.chmod(0o755)  # the cluster's own user must reach its directory
    servers = Servers(free_port(), logdir=base / "logs")
    servers.logdir.mkdir()
    hub = Hub(base, Postgres(base), servers)
    try:
        hub.start()
    except BaseException:
        print(hub.describe(), file=sys.stderr)  # the only trace of a failed start
        hub.stop()
        raise
    return hub


def remove(hub: Hub) -> None:
    """Stop everything; the directory with the logs stays when ``FAULT_KEEP_LOGS`` is set."""
    hub.stop()
    if not os.environ.get("FAULT_KEEP_LOGS"):
        shutil.rmtree(hub.base, ignore_errors=True)


# Run by ``manage.py shell -c`` in the hub's environment: a team and a mailbox with a new
# inbound token (printed last). Only its digest is stored: the token exists once, as the
# action that makes it returns it.
SEED = """
from channels_email.models import Mailbox
from channels_email.settings_actions import do_rotate_inbound_token
from hub.models import Team
team, _ = Team.objects.get_or_create(slug="support", defaults={{"name": "Support"}})
mailbox = Mailbox.objects.create(address="{address}", name="Support", is_default=True, default_team=team)
print(do_rotate_inbound_token(None, mailbox))
"""
