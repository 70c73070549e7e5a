"""The leads' reports (``/agent/reports/``): a period's figures per team and per channel, read as
an admin, for the last 7, 30 and 90 days (at a million tickets seeded over a year, about 19,000,
82,000 and 247,000 opened tickets), and narrowed to one team. Target: p95 under 500 ms for 30
days at the largest size; a lead opens it a few times a day, not on every click."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from bench.harness import Context

TARGET_MS = 500.0


def run(ctx: Context) -> None:
    today = timezone.localdate()
    for days in (7, 30, 90):
        since = (today - timedelta(days=days - 1)).isoformat()
        url = f"/agent/reports/?since={since}&until={today.isoformat()}"
        ctx.measure(f"reports: last {days} days", "admin", url, target_ms=TARGET_MS if days == 30 else None)
    team = ctx.agents["agent"].teams.order_by("pk").first()
    if team is not None:
        ctx.measure("reports: last 30 days, one team", "admin", f"/agent/reports/?team={team.pk}", target_ms=TARGET_MS)
