"""SLA: the beat's pass with a tenth of the size's tickets open under a policy, and what keeping
the clocks adds to each mail the pipeline processes.

1. Setup (idempotent, SQL): the policy "Bench SLA" (calendar time; a condition no mail meets,
   so it measures only the tickets given it here) on a tenth of the tickets, open ones first,
   each with a first-response and a resolution clock (``INSERT … SELECT``); their next checks
   are spread over the coming week (pending and on-hold ones paused, no check). Each run re-arms
   ``DUE`` of them with a warning that fell due a minute ago.
2. The pass's query for what is due (earliest first, ``PER_PASS`` at most): its plan (the
   partial index ``ticket_sla_check``) and its time, from EXPLAIN ANALYZE.
3. One pass (``hub.sla.beat.run``) over the ``DUE`` tickets: wall and CPU time, queries, per
   warning fired. Target: well under the beat's minute at any size.
4. The pipeline in-process (``process_batch``) on generated mails, side by side: with a policy
   measuring every new ticket, and with none that applies (rounds alternate). The difference per
   mail is what choosing the policy and keeping its clocks costs; queries per batch beside it.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.harness import Context

POLICY = "Bench SLA"
PIPELINE_POLICY = "Bench SLA (mail)"
DUE = 1000
PASS_TARGET_MS = 30_000  # half the beat's minute for a thousand warnings
MAILS_PER_ROUND = 200
ROUNDS = 4


def _setup(size: int) -> int:
    """The measured tenth (created once), then up to ``DUE`` running ones due; how many."""
    from hub.models import SlaClock, SlaPolicy, Ticket
    from hub.models.routing import rules_changed

    never = [{"field": "channel", "op": "equals", "value": "bench-none"}]
    policy, _ = SlaPolicy.objects.get_or_create(
        name=POLICY,
        defaults={
            "position": 1000,
            "targets": {"first_response": {"1": 480, "2": 240, "3": 60, "4": 30}, "resolution": {"2": 2880}},
            "conditions": never,
        },
    )
    wanted = size // 10
    measured = Ticket.objects.filter(sla_policy=policy)
    unclocked = measured.filter(status__in=("new", "open", "pending", "on_hold")).exclude(
        Exists(SlaClock.objects.filter(ticket=OuterRef("pk")))
    )
    if measured.count() < wanted or unclocked.exists():
        print(f"  SLA: measuring {wanted:,} tickets …", flush=True)
        with connection.cursor() as cursor:
            _measure_tenth(cursor, policy.pk, wanted)
            cursor.execute("VACUUM (ANALYZE) hub_ticket")
            cursor.execute("VACUUM (ANALYZE) hub_slaclock")
    rules_changed()
    with connection.cursor() as cursor:
        # Checks that came due since an earlier run move a week on: only the re-armed are due.
        cursor.execute(
            "UPDATE hub_slaclock c SET warn_at = warn_at + interval '7 days', due_at = due_at + interval '7 days' "
            "FROM hub_ticket t WHERE c.ticket_id = t.id AND t.sla_policy_id = %s AND c.warn_at < now()",
            [policy.pk],
        )
        cursor.execute(
            "UPDATE hub_ticket SET sla_check_at = sla_check_at + interval '7 days' "
            "WHERE sla_policy_id = %s AND sla_check_at < now()",
            [policy.pk],
        )
    # Re-arm the first DUE running ones: a warning due a minute ago, breach an hour ahead.
    now = timezone.now()
    running = Ticket.objects.filter(sla_policy=policy, status__in=("new", "open")).order_by("pk")
    due = list(running.values_list("pk", flat=True)[:DUE])
    SlaClock.objects.filter(ticket_id__in=due, target="first_response").update(
        state="ok",
        warned_at=None,
        breached_at=None,
        warn_at=now - timedelta(minutes=1),
        due_at=now + timedelta(hours=1),
    )
    Ticket.objects.filter(pk__in=due).update(sla_check_at=now - timedelta(minutes=1), sla_state="ok")
    return len(due)


def _measure_tenth(cursor: Any, policy_id: int, wanted: int) -> None:
    """A tenth of the tickets under the policy, with clocks, in three statements."""
    cursor.execute(
        """
        WITH chosen AS (
            SELECT id FROM hub_ticket WHERE sla_policy_id IS NULL
            ORDER BY (status IN ('new', 'open', 'pending', 'on_hold')) DESC, id LIMIT %s
        )
        UPDATE hub_ticket t SET sla_policy_id = %s FROM chosen WHERE t.id = chosen.id
        """,
        [max(wanted - _count(cursor, policy_id), 0), policy_id],
    )
    # Running clocks due over the coming week (spread by id), paused ones for tickets waiting.
    cursor.execute(
        """
        INSERT INTO hub_slaclock (ticket_id, target, state, started_at, minutes, due_at, warn_at, paused_at,
                                  remaining, warned_at, breached_at, met_at)
        SELECT t.id, target.name,
               CASE WHEN t.status IN ('pending', 'on_hold') THEN 'paused' ELSE 'ok' END,
               now(), target.minutes,
               CASE WHEN t.status IN ('pending', 'on_hold') THEN NULL
                    ELSE now() + make_interval(mins => 60 + (t.id %% 10080)::int * target.factor) END,
               CASE WHEN t.status IN ('pending', 'on_hold') THEN NULL
                    ELSE now() + make_interval(mins => 50 + (t.id %% 10080)::int * target.factor) END,
               CASE WHEN t.status IN ('pending', 'on_hold') THEN now() END,
               CASE WHEN t.status IN ('pending', 'on_hold') THEN interval '1 hour' END,
               NULL, NULL, NULL
        FROM hub_ticket t
        CROSS JOIN (VALUES ('first_response', 240, 1), ('resolution', 2880, 2)) AS target(name, minutes, factor)
        WHERE t.sla_policy_id = %s AND t.status IN ('new', 'open', 'pending', 'on_hold')
        ON CONFLICT (ticket_id, target) DO NOTHING
        """,
        [policy_id],
    )
    cursor.execute(
        """
        UPDATE hub_ticket t SET
            sla_state = CASE WHEN t.status IN ('pending', 'on_hold') THEN 'paused' ELSE 'ok' END,
            sla_due_at = c.due, sla_check_at = c.warn, first_response_due = c.due
        FROM (SELECT ticket_id, min(due_at) AS due, min(warn_at) AS warn FROM hub_slaclock GROUP BY ticket_id) c
        WHERE t.id = c.ticket_id AND t.sla_policy_id = %s
        """,
        [policy_id],
    )


def _count(cursor: Any, policy_id: int) -> int:
    cursor.execute("SELECT count(*) FROM hub_ticket WHERE sla_policy_id = %s", [policy_id])
    return int(cursor.fetchone()[0])


def _find(ctx: Context) -> None:
    from hub.models import Ticket
    from hub.sla.beat import PER_PASS

    query = Ticket.objects.filter(sla_check_at__lte=timezone.now()).order_by("sla_check_at").values("pk")[:PER_PASS]
    plan = query.explain(analyze=True)
    took = next((line for line in plan.splitlines() if line.startswith("Execution Time")), "")
    index = "index scan of ticket_sla_check" if "ticket_sla_check" in plan else "NOT the partial index"
    ms = float(took.split(":")[1].split("ms")[0]) if took else -1.0
    ctx.record_value("sla: find the due tickets", round(ms, 2), "ms", note=f"{index}; {_open_measured():,} measured")


def _open_measured() -> int:
    from hub.models import Ticket

    return Ticket.objects.filter(sla_policy__name=POLICY).count()


def _pass(ctx: Context, due: int) -> list[str]:
    from hub.sla import beat

    with CaptureQueriesContext(connection) as queries:
        started, started_cpu = time.perf_counter(), time.process_time()
        fired = beat.run()
        wall, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000
    note = f"{fired} warnings fired; {len(queries.captured_queries)} queries; {cpu:.0f} ms CPU in this process"
    ctx.record_value("sla: beat pass, warnings due", round(wall, 1), "ms", note=note)
    ctx.record_value("sla: beat pass per warning", round(wall / max(fired, 1), 2), "ms")
    misses = []
    if fired != due:
        misses.append(f"the pass fired {fired} warnings, not {due}")
    if wall > PASS_TARGET_MS:
        misses.append(f"the pass took {wall:.0f} ms > {PASS_TARGET_MS} ms")
    return misses


def _round(mails: list[bytes]) -> tuple[float, int, int]:
    """CPU seconds of ``process_batch`` for these mails, the queries and the batches it took."""
    from hub.models import InboundEvent, InboundState
    from hub.pipeline import process_batch

    InboundEvent.objects.bulk_create(
        [
            InboundEvent(
                channel="email",
                external_id=f"<bench-sla-{uuid.uuid4().hex}@bench.example>",
                payload={"mailbox": "support@hub.example", "source": "bench"},
                raw=raw,
            )
            for raw in mails
        ]
    )
    batches = 0
    with CaptureQueriesContext(connection) as queries:
        started = time.process_time()
        while InboundEvent.objects.filter(state=InboundState.RECEIVED).exists():
            process_batch()
            batches += 1
        cpu = time.process_time() - started
    return cpu, len(queries.captured_queries), batches


def _pipeline(ctx: Context) -> None:
    from bench.email_corpus import Corpus
    from channels_email.models import Mailbox
    from hub.models import SlaPolicy, Team
    from hub.routing import cache

    team = Team.objects.filter(slug="support").first()
    Mailbox.objects.get_or_create(address="support@hub.example", defaults={"name": "Support", "default_team": team})
    policy, _ = SlaPolicy.objects.get_or_create(
        name=PIPELINE_POLICY,
        defaults={
            "position": 0,
            "enabled": False,
            "targets": {"first_response": {"2": 240}, "resolution": {"2": 2880}},
        },
    )
    corpus = Corpus(seed=4712, run=uuid.uuid4().hex[:8])
    cpu: dict[bool, list[float]] = {False: [], True: []}
    queries: dict[bool, list[float]] = {False: [], True: []}
    try:
        for round_no in range(ROUNDS):
            for enabled in (False, True) if round_no % 2 == 0 else (True, False):
                policy.enabled = enabled
                policy.save(update_fields=["enabled", "updated_at"])  # a new rule-set token
                cache.forget()
                seconds, count, batches = _round([m.raw for m in corpus.mix(MAILS_PER_ROUND)])
                cpu[enabled].append(seconds / MAILS_PER_ROUND * 1000)
                queries[enabled].append(count / max(batches, 1))
    finally:
        policy.enabled = False
        policy.save(update_fields=["enabled", "updated_at"])
    plain, measured = statistics.median(cpu[False]), statistics.median(cpu[True])
    q_plain, q_measured = statistics.median(queries[False]), statistics.median(queries[True])
    note = (
        f"median of {ROUNDS} rounds of {MAILS_PER_ROUND} mails: {plain:.2f} CPU ms/mail with no policy applying; "
        f"queries per batch {q_plain:.1f} → {q_measured:.1f}"
    )
    ctx.record_value("sla: CPU per mail for the clocks", round(measured - plain, 3), "ms", note=note)
    ctx.record_value("sla: queries per batch for the clocks", round(q_measured - q_plain, 1), "queries", note=note)


def run(ctx: Context) -> None:
    if connection.vendor != "postgresql":
        ctx.unavailable("sla", "", "PostgreSQL only (EXPLAIN, INSERT … SELECT)")
        return
    due = _setup(ctx.size)
    _find(ctx)
    misses = _pass(ctx, due)
    _pipeline(ctx)
    if misses:
        ctx.unavailable("sla: targets", "", "; ".join(misses), status="missed")
