"""The email ingest benchmark itself, in its own process: ``python -m bench.email_driver``.

Started by ``bench/bench_email.py`` (or by hand) with the database to measure in
``DATABASE_URL``. It runs in a process of its own because it needs what the harness process
may not have: a real broker (``CELERY_TASK_ALWAYS_EAGER=false``) and a private queue, so that
its one Celery worker takes no one else's tasks and nobody else takes its tasks.

Mails go in the way ``ingest_email`` and the SMTP server hand them over:
``channels_email.inbound.accept`` writes the InboundEvent (``hub.pipeline.receive``) and, after
its commit, queues a drain unless one is pending; one ``celery worker --pool=solo`` subprocess
does the rest, in batches. Unpaced phases hand mail over from ``--feeders`` threads at once, as
mail servers deliver over several connections; the paced phase from one.

Besides rates and latencies each phase reports CPU time per mail: the worker process's
(``worker_cpu_ms``) and this process's while it hands the mails over (``receive_cpu_ms``), which
say more than rates on a machine shared with other work.

Latency is ``processed_at - received_at`` of each InboundEvent: ``received_at`` is stamped in
the receiving transaction just before it commits, ``processed_at`` in the worker's transaction
that stores the message, updates the ticket's list fields and commits them together, so it is
the moment the message and its ticket become visible in the inbox (to within that COMMIT).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import django

DONE_STATES = ("processed", "quarantined")


@dataclass
class Phase:
    name: str
    mails: int = 0
    processed: int = 0
    seconds: float = 0.0
    rate: float = 0.0  # mails per second, first arrival to last visible
    feed_rate: float = 0.0  # mails per second handed to receive()
    median_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    # The worker's own CPU time (user + system) per processed mail: what the machine's other
    # load does not change much, unlike the rates on a shared two-core machine.
    worker_cpu_ms: float | None = None
    # This process's CPU time per mail while handing the mails to receive(): the receiving side.
    receive_cpu_ms: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    note: str = ""


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Bench:
    def __init__(self, queue: str, timeout: float, feeders: int = 1, door: str = "receive") -> None:
        from channels_email.models import Mailbox
        from hub.models import Team

        self.queue = queue
        self.timeout = timeout
        self.feeders = feeders
        # "receive": handed to the pipeline in-process (the worker stage alone); "webhook": POSTed
        # to the inbound webhook through Django's whole request handling, as the phone benchmark
        # posts its texts, so the two compare.
        self.door = door
        self.token = ""
        team = Team.objects.filter(slug="support").first()
        self.mailbox, _ = Mailbox.objects.get_or_create(
            address="support@hub.example", defaults={"name": "Support", "default_team": team}
        )
        self.worker: subprocess.Popen[bytes] | None = None

    # -- the worker -------------------------------------------------------------------------

    def start_worker(self) -> None:
        env = dict(
            os.environ,
            CELERY_TASK_ALWAYS_EAGER="false",
            BENCH_CHANNEL_PREFIX=f"{self.queue}-",
            BENCH_EMAIL_QUEUE=self.queue,
        )
        command = [
            sys.executable, "-m", "bench.email_worker", "--pool=solo", "-Q", self.queue,
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING",
            "-n", f"{self.queue}@%h",
        ]  # fmt: skip
        self.worker = subprocess.Popen(command, env=env, start_new_session=True)

    def worker_cpu(self) -> float:
        """CPU seconds the worker process has used so far (Linux /proc; 0 elsewhere)."""
        if self.worker is None:
            return 0.0
        try:
            fields = Path(f"/proc/{self.worker.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop_worker(self) -> None:
        if self.worker is None:
            return
        if self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            try:
                self.worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)
                self.worker.wait()
        self.worker = None

    # -- feeding and waiting ----------------------------------------------------------------

    def feed(self, mails: list[bytes], per_second: float | None = None) -> tuple[list[int], float]:
        """Hand the mails to receive(): paced by one sender, else by ``self.feeders`` at once.

        Unpaced, several senders deliver together, as mail servers do over several SMTP
        connections: one alone waits for each receipt's commit and would measure that wait.
        """
        if self.door == "webhook" and not self.token:
            # One token for every sender, made before they start: each making its own had left
            # only the last one valid, and the others' threads died on a 401 unseen.
            from channels_email.settings_actions import do_rotate_inbound_token

            self.token = do_rotate_inbound_token(None, self.mailbox)
        started = time.monotonic()
        if per_second or self.feeders <= 1:
            ids = self._feed_one(mails, per_second, started)
        else:
            parts: list[list[int]] = [[] for _ in range(self.feeders)]
            failures: list[Exception] = []
            threads = [
                threading.Thread(target=self._feed_thread, args=(mails[n :: self.feeders], parts[n], failures))
                for n in range(self.feeders)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if failures:
                # A sender that stopped would leave a phase measuring fewer mails than it says.
                raise RuntimeError(f"{len(failures)} of {self.feeders} senders failed") from failures[0]
            ids = sorted(pk for part in parts for pk in part)
        return ids, time.monotonic() - started

    def _feed_thread(self, mails: list[bytes], ids: list[int], failures: list[Exception]) -> None:
        from django.db import connection

        try:
            ids.extend(self._feed_one(mails, None, time.monotonic()))
        except Exception as error:  # noqa: BLE001 - re-raised by feed(), in the measuring thread
            failures.append(error)
        finally:
            connection.close()

    def _feed_one(self, mails: list[bytes], per_second: float | None, started: float) -> list[int]:
        from channels_email.inbound import accept

        post = self._poster() if self.door == "webhook" else None
        ids: list[int] = []
        for n, raw in enumerate(mails):
            if per_second:
                delay = started + n / per_second - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            if post is not None:
                event_id = post(raw)
                if event_id is not None:
                    ids.append(event_id)
                continue
            event, created = accept(raw, mailbox=self.mailbox, source="bench")
            if created:
                ids.append(event.pk)
        return ids

    def _poster(self) -> Callable[[bytes], int | None]:
        """POST one mail to the inbound webhook with the token ``feed`` made: the new receipt's id
        (None for a duplicate)."""
        from django.test import Client

        client, auth = Client(), f"Bearer {self.token}"

        def post(raw: bytes) -> int | None:
            response = client.post(
                "/api/v1/channels/email/inbound", raw, content_type="message/rfc822", HTTP_AUTHORIZATION=auth
            )
            if response.status_code not in (200, 202):
                raise RuntimeError(f"the inbound webhook answered {response.status_code}: {response.content[:200]!r}")
            return int(response.json()["event"]) if response.status_code == 202 else None

        return post

    def wait(self, ids: list[int]) -> bool:
        from hub.models import InboundEvent

        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.worker is not None and self.worker.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with {self.worker.returncode}")
            done = InboundEvent.objects.filter(pk__in=ids, state__in=DONE_STATES).count()
            if done >= len(ids):
                return True
            time.sleep(0.25)
        return False

    def measure(self, name: str, mails: list[bytes], per_second: float | None = None) -> Phase:
        from hub.models import InboundEvent

        cpu_before = self.worker_cpu()
        feed_cpu = time.process_time()
        ids, feed_seconds = self.feed(mails, per_second)
        feed_cpu = time.process_time() - feed_cpu
        complete = self.wait(ids)
        cpu = self.worker_cpu() - cpu_before
        rows = list(
            InboundEvent.objects.filter(pk__in=ids).values_list("state", "outcome", "received_at", "processed_at")
        )
        phase = Phase(name, mails=len(ids), feed_rate=round(len(ids) / feed_seconds, 1) if feed_seconds else 0.0)
        phase.receive_cpu_ms = round(feed_cpu * 1000 / len(ids), 2) if ids else None
        done = [(r, p) for state, _o, r, p in rows if state == "processed" and p is not None]
        for state, outcome, _r, _p in rows:
            key = outcome if state == "processed" else state
            phase.outcomes[key] = phase.outcomes.get(key, 0) + 1
        phase.processed = len(done)
        if not complete:
            phase.note = f"stopped after {self.timeout:.0f} s with {len(ids) - len(done)} mails not processed"
        if done:
            latencies = [(p - r).total_seconds() * 1000 for r, p in done]
            first = min(r for r, _ in done)
            last = max(p for _, p in done)
            phase.seconds = round((last - first).total_seconds(), 2)
            phase.rate = round(len(done) / phase.seconds, 1) if phase.seconds else 0.0
            phase.median_ms = round(statistics.median(latencies), 1)
            phase.p95_ms = round(_p95(latencies), 1)
            phase.max_ms = round(max(latencies), 1)
            phase.worker_cpu_ms = round(cpu * 1000 / len(done), 2) if cpu else None
        return phase


def reply_targets(count: int, seed: int) -> list[tuple[Any, str, str, str]]:
    """Replies of customers to our agents' mails on tickets spread over the whole database.

    The seeded tickets' outbound messages carry no stored Message-ID, so the reply names the
    ticket through our own signed Message-ID format (what our outbound mail carries) and the
    subject token, as a customer's mail client would send it back.
    """
    import random

    from bench.email_corpus import Person
    from channels_email.thread_signals import outbound_message_id
    from hub.models import Direction, Identity, IdentityKind, Message, Ticket

    rng = random.Random(seed)
    bounds = Ticket.objects.filter(origin_channel="email").order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    if low is None or high is None:
        return []
    found: dict[int, tuple[int, str]] = {}
    for _ in range(20):
        if len(found) >= count:
            break
        wanted = [rng.randint(low, high) for _ in range(count * 3)]
        for pk, customer_id, subject in Ticket.objects.filter(pk__in=wanted, origin_channel="email").values_list(
            "pk", "customer_id", "subject"
        ):
            found.setdefault(pk, (customer_id, subject))
    picked = list(found.items())[:count]
    addresses = dict(
        Identity.objects.filter(customer_id__in=[c for _, (c, _s) in picked], kind=IdentityKind.EMAIL).values_list(
            "customer_id", "value"
        )
    )
    outbound: dict[int, int] = {}
    for ticket_id, message_id in Message.objects.filter(
        ticket_id__in=[t for t, _ in picked], direction=Direction.OUTBOUND
    ).values_list("ticket_id", "pk"):
        outbound[ticket_id] = max(message_id, outbound.get(ticket_id, 0))
    targets = []
    for ticket_id, (customer_id, subject) in picked:
        address = addresses.get(customer_id)
        if not address or ticket_id not in outbound:
            continue
        person = Person("Kunde", address, "de")
        msgid = outbound_message_id(ticket_id, outbound[ticket_id], "hub.example")
        targets.append((person, msgid, f"{subject} [#{ticket_id}]", "Vielen Dank für Ihre Nachricht."))
    return targets


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=int(os.environ.get("BENCH_EMAIL_MAILS", "3000")))
    parser.add_argument("--replies", type=int, default=int(os.environ.get("BENCH_EMAIL_REPLIES", "2000")))
    parser.add_argument("--paced", type=int, default=int(os.environ.get("BENCH_EMAIL_PACED", "1000")))
    parser.add_argument("--rate", type=float, default=float(os.environ.get("BENCH_EMAIL_RATE", "50")))
    parser.add_argument("--feeders", type=int, default=int(os.environ.get("BENCH_EMAIL_FEEDERS", "4")))
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("BENCH_EMAIL_TIMEOUT", "240")))
    parser.add_argument("--door", choices=["receive", "webhook"], default=os.environ.get("BENCH_EMAIL_DOOR", "receive"))
    parser.add_argument("--seed", type=int, default=20250303)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    django.setup()
    from django.conf import settings

    from bench.email_corpus import Corpus
    from hub.celery import app
    from hub.models import Ticket
    from hub.pipeline import drain

    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith("redis"):
        print("the email benchmark needs REDIS_URL (a real broker)", file=sys.stderr)
        return 2
    queue = f"bench-email-{secrets.token_hex(4)}"
    # Every task this process queues goes to the private queue its own worker consumes.
    app.conf.task_default_queue = queue

    run = secrets.token_hex(4)
    corpus = Corpus(seed=args.seed, run=run)
    warmup = [corpus.new_mail("plain").raw for _ in range(20)]
    new_mails = [m.raw for m in corpus.mix(args.mails)]
    # Replies to mail of this run answer mail already in (the warm-up and the new mail), so
    # they thread as a customer's reply would, whatever order they come in.
    earlier = list(corpus.sent)
    targets = reply_targets(args.replies // 2, args.seed)
    replies = [corpus.reply(t).raw for t in targets]
    replies += [corpus.reply(corpus.rng.choice(earlier)).raw for _ in range(args.replies - len(replies))]
    corpus.rng.shuffle(replies)
    paced = [m.raw for m in corpus.mix(args.paced)]

    # A drain flagged as pending by an earlier run (its queue gone with it) would hold back the
    # receipts of this one until the flag expires.
    drain.forget()
    bench = Bench(queue, args.timeout, args.feeders, args.door)
    phases: list[Phase] = []
    started = time.monotonic()
    try:
        bench.start_worker()
        ids, _ = bench.feed(warmup)
        if not bench.wait(ids):
            raise RuntimeError("the worker did not process the warm-up mails")
        if args.mails:
            phases.append(bench.measure("new mail, as fast as they come", new_mails))
        if replies:
            phases.append(bench.measure("replies (In-Reply-To/References), as fast as they come", replies))
            phases[-1].note = (
                f"{len(targets)} to our mails on tickets across the database, {len(replies) - len(targets)} "
                "to mail of this run; " + phases[-1].note
            ).strip("; ")
        if args.paced:
            phases.append(bench.measure(f"mixed mail paced at {args.rate:g}/s", paced, per_second=args.rate))
    finally:
        bench.stop_worker()
        # Whatever the worker left (a run stopped by its time limit) goes with the queue.
        with app.connection_for_write() as conn:
            conn.default_channel.client.delete(queue)  # type: ignore[attr-defined]
    payload = {
        "tickets": Ticket.objects.count(),
        "seconds": round(time.monotonic() - started, 1),
        "phases": [asdict(p) for p in phases],
    }
    text = json.dumps(payload, indent=1)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
