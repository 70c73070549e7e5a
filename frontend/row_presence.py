"""Who else is on the tickets of a list page: an eye on a row another agent has open, a pen
where they are writing (UX.md, sections 2 and 6). Signals only, like the ticket header's.

The server draws the markers with the rows, reading the presence of the whole page in one
round trip (``hub.collision.viewers_of``); later changes arrive as ``ticket.viewers`` events
and ``frontend/ts/rowpresence.ts`` redraws the marker with the same markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.utils.translation import gettext as _

from hub import collision
from hub.collision import Viewer

# An empty marker stays in the row, hidden, so a live event has its place to draw into.
EMPTY = '<span class="row-presence" hidden></span>'


def others_on(agent_id: int, ticket_ids: Iterable[int]) -> dict[int, list[Viewer]]:
    """The agents other than ``agent_id`` on each of ``ticket_ids`` now; tickets without any left out."""
    found = collision.viewers_of(ticket_ids)
    others = {pk: [v for v in viewers if v.agent_id != agent_id] for pk, viewers in found.items()}
    return {pk: viewers for pk, viewers in others.items() if viewers}


def labels() -> dict[str, str]:
    """The line per viewer, by what they do ("" viewing): "{name}" stands for their name."""
    return {
        "": _("{name} is viewing"),
        "reply": _("{name} is typing a reply"),
        "note": _("{name} is writing a note"),
    }


def marker(viewers: list[Viewer] | None, lines: dict[str, str]) -> str:
    """A row's marker: the pen while anyone writes, else the eye; its label names everyone,
    writers first (read out with the row's link, shown as the tooltip)."""
    if not viewers:
        return EMPTY
    writers = [v for v in viewers if v.typing]
    ordered = writers + [v for v in viewers if not v.typing]
    text = escape(", ".join(lines.get(v.typing, lines[""]).replace("{name}", v.name) for v in ordered))
    kind, icon = ("typing", "typing") if writers else ("viewing", "eye")
    return (
        f'<span class="row-presence is-{kind}" title="{text}"><svg class="icon" aria-hidden="true">'
        f'<use href="#i-{icon}"/></svg><span class="sr-only">{text}</span></span>'
    )
