"""A draft rule set applied to recent tickets in memory: what would match and change, changing nothing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from hub.models import Ticket
from hub.routing import words
from hub.routing.engine import Compiled, RuleSet, Triggers
from hub.routing.facts import Facts
from hub.routing.schema import RuleSpec


def dry_run(specs: list[RuleSpec], *, last: int, trigger: Triggers) -> dict[str, Any]:
    """Per ticket of the latest ``last`` (newest first) the rules that would match and what they
    would change, and per rule how many tickets it would match. Reads only; the tickets are seen
    as they are now (their subject and last message, the customer, tags and team)."""
    rules = RuleSet.build([Compiled.of(spec, n) for n, spec in enumerate(specs)])
    tickets = (
        Ticket.objects.select_related("customer__organization")
        .prefetch_related("tags")
        .order_by("-created_at", "-id")[:last]
    )
    results: list[dict[str, Any]] = []
    totals: Counter[int] = Counter()
    for ticket in tickets:

        def inside(team_id: int | None, _at: datetime | None, at: datetime = ticket.created_at) -> bool:
            return rules.hours_of(team_id).inside(at)  # the hours when the ticket came in

        facts = Facts(
            ticket=ticket,
            customer=ticket.customer,
            tags=frozenset(tag.name for tag in ticket.tags.all()),
            team_slug=rules.slug_of,
            inside_hours=inside,
        )
        outcome = rules.run(trigger, facts)
        changes: dict[str, Any] = {}
        for hit in outcome.hits:
            changes.update(hit.changes)
            if hit.rule_id is not None:
                totals[hit.rule_id] += 1
        results.append(
            {
                "ticket": ticket.pk,
                "subject": ticket.subject,
                "rule": outcome.hits[0].name if outcome.hits else None,
                "rules": [hit.name for hit in outcome.hits],
                # As the API has always given them ("priority": "high"), and in the reader's words.
                "changes": {key: words.machine(key, value) for key, value in changes.items()},
                "shown": [words.shown(key, value) for key, value in changes.items()],
            }
        )
    return {
        "evaluated": len(results),
        "tickets": results,
        "totals": [{"rule": spec.name, "matches": totals.get(n, 0)} for n, spec in enumerate(specs)],
    }
