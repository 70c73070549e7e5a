"""The REST API's ticket list (first and deep cursor pages) and ticket detail."""

from __future__ import annotations

from bench.harness import Context, json_next

ROLES = ("agent", "admin")
LIST = "/api/v1/tickets/"
TARGET_MS = 50.0


def run(ctx: Context) -> None:
    for role in ROLES:
        first = ctx.measure("api tickets: first page", role, LIST, target_ms=TARGET_MS)
        if first.status != "ok":
            ctx.unavailable("api tickets: deep page", role, first.note, status=first.status)
        else:
            try:
                deep, page = ctx.follow(role, LIST, ctx.deep_pages, json_next)
            except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
                ctx.unavailable("api tickets: deep page", role, f"following next failed: {exc}", status="error")
            else:
                ctx.measure("api tickets: deep page", role, deep, target_ms=TARGET_MS, note=f"page {page}")
        for name in ("recent", "long"):
            if name in ctx.tickets:
                ctx.measure(f"api ticket detail ({name})", role, f"{LIST}{ctx.tickets[name]}/")
