"""Mail through the front doors, end to end: ``python -m bench.email_frontdoor``.

Started by ``bench/bench_email.py`` (or by hand) with the database to measure in
``DATABASE_URL``. It starts the production topology from a checkout of the hub (this one, or
``--code`` for another, e.g. the commit before a change): uvicorn with 2 workers, the inbound
SMTP server, a Celery worker with 2 processes, and a Redis server of its own (its connection
counter then counts only this stack's connections, and no other worker on a shared Redis takes
its tasks), on the PostgreSQL of ``DATABASE_URL``. Then it hands mail over as the outside world
does: HTTP POSTs to the inbound webhook from several keep-alive connections, SMTP sessions
from several senders (each delivering one mail after another, as MTAs do), and both paced at
``--rate`` per second.

Latency is arrival → visible per mail: from the moment the client starts sending it (the first
attempt) to ``processed_at`` of its InboundEvent, written in the worker's transaction that
makes the message and its ticket visible in the inbox. A phase's rate is its mails over the
time from its first send to its last mail visible.

A temporary refusal (HTTP 429 or 5xx, an SMTP 4xx, a refused connection) is counted and the
mail is handed over again a second later, as a provider or an MTA would; a permanent one (HTTP
4xx, SMTP 5xx) is counted and the mail given up. Each phase reports the answers it got, the
peak of PostgreSQL connections to the database (sampled), the sessions PostgreSQL opened for
it and the connections Redis received.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
DONE_STATES = ("processed", "quarantined")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, what: str, timeout: float = 60, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout:.0f} s")


@dataclass
class Phase:
    name: str
    via: str
    mails: int = 0
    processed: int = 0
    seconds: float = 0.0
    rate: float = 0.0  # mails per second, first send to last visible
    feed_rate: float = 0.0  # mails per second accepted by the front doors
    median_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    answers: dict[str, int] = field(default_factory=dict)  # "http 202": n, "smtp 451": n, …
    errors: int = 0  # answers that were not "accepted" (each retried)
    http_500: int = 0
    smtp_4xx: int = 0
    pg_peak_connections: int = 0
    pg_sessions_opened: int = 0
    redis_connections: int = 0
    cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU per mail of each server
    note: str = ""


class Stack:
    """The production topology of one checkout, on a Redis of its own."""

    def __init__(self, code: Path, database_url: str, workdir: Path) -> None:
        self.code = code
        self.workdir = workdir
        self.redis_port = free_port()
        self.web_port = free_port()
        self.smtp_port = free_port()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "BENCH_CHANNEL"))
        } | {
            "DJANGO_SETTINGS_MODULE": "hub.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(code),
        }
        self.env.setdefault("SECRET_KEY", "bench-only-secret-never-in-production-0123456789abcdef")

    @property
    def redis_url(self) -> str:
        return self.env["REDIS_URL"]

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            argv, cwd=self.code, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def start(self) -> None:
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise RuntimeError("the front-door benchmark needs redis-server")
        self._start(
            "redis",
            [
                *(redis_server, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--dir", str(self.workdir), "--maxclients", "10000"),
            ],
        )
        wait_port(self.redis_port, "Redis", 20, self.procs["redis"])
        py = sys.executable
        web = [py, "-m", "uvicorn", "hub.asgi:application", "--host", "127.0.0.1", "--port", str(self.web_port)]
        self._start("web", [*web, "--workers", "2", "--lifespan", "off", "--log-level", "warning", "--no-access-log"])
        self._start("smtp", [py, "manage.py", "smtp_inbound", "--host", "127.0.0.1", "--port", str(self.smtp_port)])
        worker = [py, "-m", "celery", "-A", "hub", "worker", "--concurrency=2", "--loglevel=WARNING"]
        self._start(
            "worker",
            [
                *worker,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"frontdoor-{self.web_port}@%h",
            ],
        )
        wait_port(self.web_port, "uvicorn", 90, self.procs["web"])
        wait_port(self.smtp_port, "the SMTP server", 90, self.procs["smtp"])

    def check(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log(name)[-3000:]}")

    def log(self, name: str) -> str:
        try:
            return (self.workdir / f"{name}.log").read_text(errors="replace")
        except OSError:
            return ""

    def pids(self, name: str) -> list[int]:
        """The process and its children (uvicorn's and Celery's workers)."""
        proc = self.procs.get(name)
        if proc is None:
            return []
        found = [proc.pid]
        with contextlib.suppress(OSError):
            for child in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split():
                found.append(int(child))
        return found

    def cpu(self, name: str) -> float:
        total = 0.0
        for pid in self.pids(name):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        for name in ("web", "smtp", "worker", "redis"):
            proc = self.procs.pop(name, None)
            if proc is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class Sender:
    """Hands mails to the front doors and notes when each was first sent and what was answered."""

    def __init__(self, stack: Stack, token: str, mailbox: str) -> None:
        self.stack = stack
        self.token = token
        self.mailbox = mailbox
        self.lock = threading.Lock()
        self.answers: Counter[str] = Counter()
        self.sent_at: dict[str, float] = {}
        self.accepted_at: list[float] = []
        self.refused: set[str] = set()  # refused for good (5xx, 4xx but 429): not waited for
        self.deadline = 0.0

    def _note(self, answer: str) -> None:
        with self.lock:
            self.answers[answer] += 1

    def _first(self, key: str) -> None:
        with self.lock:
            self.sent_at.setdefault(key, time.time())

    def _accepted(self) -> None:
        with self.lock:
            self.accepted_at.append(time.time())

    # -- HTTP -------------------------------------------------------------------------------

    def http(self, mails: list[tuple[str, bytes]], pace: float | None, started: float) -> None:
        conn: http.client.HTTPConnection | None = None
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "message/rfc822"}
        try:
            for key, raw, at in self._paced(mails, pace, started):
                del at
                while time.monotonic() < self.deadline:
                    self._first(key)
                    try:
                        if conn is None:
                            conn = http.client.HTTPConnection("127.0.0.1", self.stack.web_port, timeout=60)
                        conn.request("POST", "/api/v1/channels/email/inbound", body=raw, headers=headers)
                        response = conn.getresponse()
                        response.read()
                        status = response.status
                        if response.getheader("Connection", "").lower() == "close":
                            conn.close()
                            conn = None
                    except (OSError, http.client.HTTPException) as error:
                        status = 0
                        self._note(f"http {type(error).__name__}")
                        if conn is not None:
                            conn.close()
                        conn = None
                    else:
                        self._note(f"http {status}")
                    if status in (200, 202):
                        self._accepted()
                        break
                    if 400 <= status < 500 and status != 429:
                        self.refused.add(key)
                        break  # refused for good
                    time.sleep(1.0)
        finally:
            if conn is not None:
                conn.close()

    # -- SMTP -------------------------------------------------------------------------------

    def smtp(self, mails: list[tuple[str, bytes]], pace: float | None, started: float) -> None:
        client: smtplib.SMTP | None = None
        try:
            for key, raw, _at in self._paced(mails, pace, started):
                while time.monotonic() < self.deadline:
                    self._first(key)
                    try:
                        if client is None:
                            client = smtplib.SMTP("127.0.0.1", self.stack.smtp_port, timeout=60)
                            client.ehlo()
                        client.sendmail("kunde@bench.example", [self.mailbox], raw)
                    except smtplib.SMTPRecipientsRefused as error:
                        code = next(iter(error.recipients.values()))[0]
                        self._note(f"smtp {code}")
                        if code >= 500:
                            self.refused.add(key)
                            break  # refused for good: an MTA bounces it
                    except smtplib.SMTPResponseException as error:
                        self._note(f"smtp {error.smtp_code}")
                        if error.smtp_code >= 500:
                            self.refused.add(key)
                            break
                    except (OSError, smtplib.SMTPException) as error:
                        self._note(f"smtp {type(error).__name__}")
                        client = None
                    else:
                        self._note("smtp 250")
                        self._accepted()
                        break
                    time.sleep(1.0)
        finally:
            if client is not None:
                with contextlib.suppress(Exception):
                    client.quit()

    def _paced(self, mails: list[tuple[str, bytes]], pace: float | None, started: float) -> Any:
        for n, (key, raw) in enumerate(mails):
            if pace:
                delay = started + n / pace - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield key, raw, n


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Bench:
    def __init__(self, stack: Stack, database: str, admin_dsn: str, timeout: float) -> None:
        from channels_email.models import Mailbox
        from channels_email.settings_actions import do_rotate_inbound_token
        from hub.models import Team

        team = Team.objects.filter(slug="support").first()
        mailbox, _ = Mailbox.objects.get_or_create(
            address="support@hub.example", defaults={"name": "Support", "default_team": team}
        )
        self.stack = stack
        self.database = database
        self.admin_dsn = admin_dsn
        self.timeout = timeout
        # Only the token's digest is stored: the run makes a token of its own, as an admin would.
        self.sender = Sender(stack, do_rotate_inbound_token(None, mailbox), mailbox.address)

    def _pg(self, sql: str) -> int:
        import psycopg

        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            row = conn.execute(sql, [self.database]).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def pg_connections(self) -> int:
        return self._pg("SELECT count(*) FROM pg_stat_activity WHERE datname = %s")

    def pg_sessions(self) -> int:
        return self._pg("SELECT sessions FROM pg_stat_database WHERE datname = %s")

    def redis_connections(self) -> int:
        import redis

        client = redis.Redis.from_url(self.stack.redis_url)
        try:
            return int(client.info("stats")["total_connections_received"])
        finally:
            client.close()

    def measure(
        self, name: str, via: str, mails: list[tuple[str, bytes]], *, senders: int, pace: float | None
    ) -> Phase:
        """Hand ``mails`` over (``via``: http, smtp or both, alternating) and wait until all are visible."""
        from hub.models import InboundEvent

        phase = Phase(name, via, mails=len(mails))
        sender = self.sender
        sender.answers.clear()
        sender.sent_at.clear()
        sender.accepted_at.clear()
        sender.refused.clear()
        sender.deadline = time.monotonic() + self.timeout
        sessions_before, redis_before = self.pg_sessions(), self.redis_connections()
        cpu_before = {name: self.stack.cpu(name) for name in ("web", "smtp", "worker")}
        peak = 0
        stop_sampling = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop_sampling.wait(0.5):
                with contextlib.suppress(Exception):
                    peak = max(peak, self.pg_connections())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        threads: list[threading.Thread] = []
        lanes = senders if not pace else 2
        for n in range(lanes):
            part = mails[n::lanes]
            kind = via if via != "both" else ("http" if n % 2 == 0 else "smtp")
            lane_pace = pace / lanes if pace else None
            target = sender.http if kind == "http" else sender.smtp
            threads.append(threading.Thread(target=target, args=(part, lane_pace, started)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        fed = time.monotonic() - started
        keys = [key for key, _raw in mails if key not in sender.refused]
        done: dict[str, Any] = {}
        waiting_until = max(sender.deadline, time.monotonic() + 30)
        while time.monotonic() < waiting_until:
            self.stack.check()
            waiting = [k for k in keys if k not in done]
            for start in range(0, len(waiting), 2000):
                done.update(
                    InboundEvent.objects.filter(
                        channel="email", external_id__in=waiting[start : start + 2000], state__in=DONE_STATES
                    ).values_list("external_id", "processed_at")
                )
            if len(done) >= len(keys):
                break
            time.sleep(0.25)
        stop_sampling.set()
        sampler.join()
        phase.pg_peak_connections = max(peak, self.pg_connections())
        phase.pg_sessions_opened = self.pg_sessions() - sessions_before
        phase.redis_connections = self.redis_connections() - redis_before - 1
        for server, before in cpu_before.items():
            used = self.stack.cpu(server) - before
            phase.cpu_ms[server] = round(used * 1000 / len(mails), 2) if mails else 0.0
        phase.answers = dict(sorted(sender.answers.items()))
        accepted_answers = ("http 200", "http 202", "smtp 250")
        phase.errors = sum(n for answer, n in sender.answers.items() if answer not in accepted_answers)
        phase.http_500 = sender.answers.get("http 500", 0)
        phase.smtp_4xx = sum(n for answer, n in sender.answers.items() if answer.startswith("smtp 4"))
        phase.feed_rate = round(len(sender.accepted_at) / fed, 1) if fed else 0.0
        visible = [(sender.sent_at[k], p.timestamp()) for k, p in done.items() if p is not None and k in sender.sent_at]
        phase.processed = len(visible)
        if len(done) < len(keys):
            phase.note = f"stopped after {self.timeout:.0f} s with {len(keys) - len(done)} mails not visible"
        if visible:
            latencies = [(p - s) * 1000 for s, p in visible]
            first = min(s for s, _ in visible)
            last = max(p for _, p in visible)
            phase.seconds = round(last - first, 2)
            phase.rate = round(len(visible) / phase.seconds, 1) if phase.seconds else 0.0
            phase.median_ms = round(statistics.median(latencies), 1)
            phase.p95_ms = round(_p95(latencies), 1)
            phase.max_ms = round(max(latencies), 1)
        return phase


def keyed(mails: list[Any]) -> list[tuple[str, bytes]]:
    from channels_email.parse import envelope

    return [(envelope(m.raw).external_id, m.raw) for m in mails]


def smtp_keyed(mails: list[Any]) -> list[tuple[str, bytes]]:
    """``keyed`` for the SMTP phases: line endings made CRLF, as a sending MTA does.

    The generator writes some parts with bare LF (base64 attachments); smtplib sends bytes as
    they are, and a body whose "lines" between CRLFs run past 1,000 octets is refused "500 Line
    too long", rightly (RFC 5321 4.5.3.1.6).
    """
    return keyed([SimpleNamespace(raw=re.sub(rb"\r?\n", b"\r\n", m.raw)) for m in mails])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose servers are measured")
    parser.add_argument("--label", default="")
    parser.add_argument("--http", type=int, default=int(os.environ.get("BENCH_FRONTDOOR_HTTP", "2000")))
    parser.add_argument("--smtp", type=int, default=int(os.environ.get("BENCH_FRONTDOOR_SMTP", "2000")))
    parser.add_argument("--paced", type=int, default=int(os.environ.get("BENCH_FRONTDOOR_PACED", "1000")))
    parser.add_argument("--rate", type=float, default=float(os.environ.get("BENCH_EMAIL_RATE", "50")))
    parser.add_argument("--senders", type=int, default=int(os.environ.get("BENCH_FRONTDOOR_SENDERS", "16")))
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("BENCH_EMAIL_TIMEOUT", "240")))
    parser.add_argument("--seed", type=int, default=20250304)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-never-in-production-0123456789abcdef")
    # This process only reads the database and writes the mailbox: no Redis of its own needed.
    os.environ["REDIS_URL"] = ""
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    django.setup()
    from django.db import connection

    from bench.email_corpus import Corpus

    db = connection.settings_dict
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db["PASSWORD"] else user
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    database_url = f"postgres://{auth}@{host}/{db['NAME']}"
    admin_dsn = f"postgresql://{auth}@{host}/postgres"

    import secrets

    corpus = Corpus(seed=args.seed, run=f"fd{secrets.token_hex(4)}")
    warmup = keyed([corpus.new_mail("plain") for _ in range(40)])
    http_mails = keyed(corpus.mix(args.http))
    smtp_mails = smtp_keyed(corpus.mix(args.smtp))
    paced_mails = smtp_keyed(corpus.mix(args.paced))

    workdir = Path(tempfile.mkdtemp(prefix="bench-frontdoor-"))
    stack = Stack(args.code.resolve(), database_url, workdir)
    phases: list[Phase] = []
    started = time.monotonic()
    try:
        stack.start()
        bench = Bench(stack, db["NAME"], admin_dsn, args.timeout)
        warm = bench.measure("warm-up", "both", warmup, senders=4, pace=None)
        if warm.processed < len(warmup):
            raise RuntimeError(f"the warm-up mails did not arrive: {asdict(warm)}\n{stack.log('worker')[-3000:]}")
        if http_mails:
            phases.append(
                bench.measure("webhook, as fast as they come", "http", http_mails, senders=args.senders, pace=None)
            )
        if smtp_mails:
            phases.append(
                bench.measure("SMTP, as fast as they come", "smtp", smtp_mails, senders=args.senders, pace=None)
            )
        if paced_mails:
            phases.append(
                bench.measure(
                    f"webhook and SMTP paced at {args.rate:g}/s", "both", paced_mails, senders=2, pace=args.rate
                )
            )
        errors = {name: stack.log(name)[-2000:] for name in ("web", "smtp", "worker") if "Traceback" in stack.log(name)}
    finally:
        stack.stop()
    payload = {
        "label": args.label or str(args.code),
        "seconds": round(time.monotonic() - started, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "phases": [asdict(p) for p in phases],
        "server_errors": errors,
    }
    if not os.environ.get("BENCH_FRONTDOOR_KEEP"):
        shutil.rmtree(workdir, ignore_errors=True)
    text = json.dumps(payload, indent=1)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
