"""Tags that rules add and remove, written for many tickets at once (a few queries in all)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q

from hub.models import Tag, Ticket
from hub.routing.engine import Outcome


@dataclass
class TagChanges:
    """Per saved ticket, the tag names to add and to remove."""

    adding: dict[int, set[str]] = field(default_factory=dict)
    removing: dict[int, set[str]] = field(default_factory=dict)

    def note(self, ticket: Ticket, outcome: Outcome) -> None:
        pk = ticket.pk
        if outcome.add_tags:
            self.adding.setdefault(pk, set()).update(outcome.add_tags)
            self.removing.get(pk, set()).difference_update(outcome.add_tags)
        if outcome.remove_tags:
            self.removing.setdefault(pk, set()).update(outcome.remove_tags)
            self.adding.get(pk, set()).difference_update(outcome.remove_tags)


def write_tags(changes: TagChanges) -> None:
    """Add and remove the tags: no query without changes, at most five with them."""
    through = Ticket.tags.through
    names = sorted(set().union(*changes.adding.values())) if changes.adding else []
    if names:
        tags = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        missing = [Tag(name=n) for n in names if n not in tags]
        if missing:
            Tag.objects.bulk_create(missing, ignore_conflicts=True)
            tags = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        rows = [
            through(ticket_id=ticket_id, tag_id=tags[name])
            for ticket_id, wanted in changes.adding.items()
            for name in sorted(wanted)
        ]
        through.objects.bulk_create(rows, ignore_conflicts=True)
    clauses = [Q(ticket_id=pk, tag__name__in=sorted(n)) for pk, n in changes.removing.items() if n]
    if clauses:
        through.objects.filter(reduce(or_, clauses)).delete()
