"""One benchmark size in its own process (its own DATABASE_URL): seed if needed, run every
``bench/bench_*.py`` module, write the results as JSON. Started by ``bench.run``."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

import django


def modules(only: list[str]) -> list[str]:
    import bench

    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    return [n for n in names if not only or n.removeprefix("bench_") in only or n in only]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()
    from bench import fixtures
    from bench.harness import Context, Result
    from hub.sockets import tune_gc_for_sockets

    started = time.monotonic()
    seeded = fixtures.ensure_size(args.size)
    agents = fixtures.agents()
    ctx = Context(
        size=args.size,
        repeat=int(os.environ.get("BENCH_REPEAT", "40")),
        deep_pages=int(os.environ.get("BENCH_DEEP_PAGES", "50")),
        agents=agents,
        tickets=fixtures.tickets_to_open(agents["agent"]),
    )
    ctx.message_counts = fixtures.message_counts(ctx.tickets)
    only = [s.strip() for s in os.environ.get("BENCH_ONLY", "").split(",") if s.strip()]
    for name in modules(only):
        ctx.bench = name.removeprefix("bench_")
        print(f"  {name} …", flush=True)
        # Requests are measured in this process, so it collects garbage as the web server does
        # (hub.asgi): what exists before a module (Django, the seeding, earlier modules'
        # leftovers) is out of the collector's sight. Without it, every few requests of a
        # large page paid for a full pass over the whole heap (about 60 ms at 1M tickets),
        # which no server process pays.
        tune_gc_for_sockets()
        try:
            importlib.import_module(f"bench.{name}").run(ctx)
        except Exception as exc:  # noqa: BLE001 - one broken module must not hide the others
            traceback.print_exc()
            ctx.results.append(Result(ctx.bench, "(module)", status="error", note=f"{type(exc).__name__}: {exc}"))
    from hub.models import Message, Ticket

    payload = {
        "size": args.size,
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "seeded": seeded,
        "seconds": round(time.monotonic() - started, 1),
        # Other work on the machine shows in every figure: keep it beside them.
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "results": [r.as_dict() for r in ctx.results],
    }
    args.out.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
