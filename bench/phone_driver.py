"""The phone benchmark itself, in its own process: ``python -m bench.phone_driver``.

Started by ``bench/bench_phone.py`` (or by hand) with the database to measure in
``DATABASE_URL``, like ``bench.email_driver`` (whose worker and waiting it uses): a real broker,
a private queue, one ``celery worker --pool=solo``.

Texts go in as the provider sends them: signed Twilio messaging webhooks posted to
``/phone/twilio/sms/`` through Django's test client (the whole request: middleware, signature
check, receipt), from several senders at once; the worker threads and stores them. Latency is
``processed_at - received_at`` of each receipt, as for mail: webhook to a ticket agents see.

The voice webhook sits on the caller's line: its answer time (signature, call record, free
agents, TwiML, receipt) is measured one call after the other, with agents online to ring.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import django

from bench.email_driver import Bench, Phase, _p95

NUMBER = "+4930555000"
ACCOUNT = "AC" + "be" * 16
TOKEN = "bench-twilio-token"  # noqa: S105 - the bench number's own, in its own database


def _post(client: Any, path: str, params: dict[str, str]) -> Any:
    from django.conf import settings
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(TOKEN).compute_signature(settings.SITE_URL.rstrip("/") + path, params)
    return client.post(
        path, urlencode(params), content_type="application/x-www-form-urlencoded", HTTP_X_TWILIO_SIGNATURE=signature
    )


def sms(n: int, run: str) -> dict[str, str]:
    sid = f"SM{run}{n:024x}"
    return {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "Body": f"Hallo, ich warte noch auf meine Lieferung Nr. {n}. Können Sie nachsehen? Grüße",
        "From": f"+49151{(n * 7919) % 10**8:08d}",
        "MessageSid": sid,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": NUMBER,
    }


def call(n: int, run: str) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": f"CA{run}{n:024x}",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "From": f"+49152{(n * 104729) % 10**8:08d}",
        "To": NUMBER,
    }


class PhoneBench(Bench):
    """The email benchmark's worker and waiting; texts handed over as webhooks instead of mail."""

    def __init__(self, queue: str, timeout: float, feeders: int) -> None:
        self.queue, self.timeout, self.feeders = queue, timeout, feeders
        self.worker = None
        self.door, self.token = "sms", ""  # texts are posted to their own webhook, unsigned by a mailbox token

    def _feed_one(self, mails: list[bytes], per_second: float | None, started: float) -> list[int]:
        from django.test import Client

        from hub.models import InboundEvent

        client = Client()
        sids = []
        for n, raw in enumerate(mails):
            if per_second:
                delay = started + n / per_second - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            params = json.loads(raw)
            response = _post(client, "/phone/twilio/sms/", params)
            if response.status_code != 200:
                raise RuntimeError(f"the SMS webhook answered {response.status_code}: {response.content[:200]!r}")
            sids.append(params["MessageSid"])
        return list(InboundEvent.objects.filter(channel="sms", external_id__in=sids).values_list("pk", flat=True))


def setup() -> None:
    """The bench's number and three agents of its team online, each with a line to ring."""
    from django.contrib.auth import get_user_model

    from channels_phone.models import AgentLine, PhoneNumber
    from hub.models import Agent, Team
    from hub.models.teams import Presence

    team, _ = Team.objects.get_or_create(slug="support", defaults={"name": "Support"})
    PhoneNumber.objects.update_or_create(
        number=NUMBER,
        defaults={"provider": "twilio", "account_sid": ACCOUNT, "auth_token": TOKEN, "team": team, "sms": True},
    )
    for n in range(3):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-phone-{n}")
        agent, _ = Agent.objects.update_or_create(user=user, defaults={"presence": Presence.ONLINE})
        agent.teams.add(team)
        AgentLine.objects.update_or_create(agent=agent, defaults={"phone": f"+4930555{n:03d}1", "enabled": True})


def voice(calls: int, run: str) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    times, cpu, queries = [], [], []
    for n in range(calls + 10):
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = _post(client, "/phone/twilio/voice/", call(n, run))
            elapsed = (time.perf_counter() - started) * 1000
            elapsed_cpu = (time.process_time() - started_cpu) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"the voice webhook answered {response.status_code}")
        if n >= 10:  # warm-up
            times.append(elapsed)
            cpu.append(elapsed_cpu)
            queries.append(len(captured.captured_queries))
    return {
        "calls": calls,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(_p95(times), 2),
        "max_ms": round(max(times), 2),
        # This process's CPU per answer: what the machine's other load does not change much.
        "cpu_ms": round(statistics.median(cpu), 2),
        "queries": int(statistics.median(queries)),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=int(os.environ.get("BENCH_SMS_TEXTS", "2000")))
    parser.add_argument("--paced", type=int, default=int(os.environ.get("BENCH_SMS_PACED", "500")))
    parser.add_argument("--rate", type=float, default=float(os.environ.get("BENCH_SMS_RATE", "50")))
    parser.add_argument("--feeders", type=int, default=int(os.environ.get("BENCH_SMS_FEEDERS", "4")))
    parser.add_argument("--calls", type=int, default=int(os.environ.get("BENCH_VOICE_CALLS", "200")))
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("BENCH_SMS_TIMEOUT", "240")))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    django.setup()
    from django.conf import settings

    from hub.celery import app
    from hub.models import Ticket
    from hub.pipeline import drain

    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith("redis"):
        print("the phone benchmark needs REDIS_URL (a real broker)", file=sys.stderr)
        return 2
    queue = f"bench-phone-{secrets.token_hex(4)}"
    app.conf.task_default_queue = queue
    run = secrets.token_hex(4)
    setup()
    texts = [json.dumps(sms(n, run)).encode() for n in range(20 + args.texts + args.paced)]
    warmup, unpaced, paced = texts[:20], texts[20 : 20 + args.texts], texts[20 + args.texts :]

    drain.forget()
    bench = PhoneBench(queue, args.timeout, args.feeders)
    phases: list[Phase] = []
    started = time.monotonic()
    try:
        bench.start_worker()
        ids, _ = bench.feed(warmup)
        if not bench.wait(ids):
            raise RuntimeError("the worker did not process the warm-up texts")
        if unpaced:
            phases.append(bench.measure("inbound SMS, as fast as they come", unpaced))
        if paced:
            phases.append(bench.measure(f"inbound SMS paced at {args.rate:g}/s", paced, per_second=args.rate))
        answered = voice(args.calls, run) if args.calls else None
    finally:
        bench.stop_worker()
        with app.connection_for_write() as conn:
            conn.default_channel.client.delete(queue)  # type: ignore[attr-defined]
    payload = {
        "tickets": Ticket.objects.count(),
        "seconds": round(time.monotonic() - started, 1),
        "phases": [asdict(p) for p in phases],
        "voice": answered,
    }
    text = json.dumps(payload, indent=1)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
